namespace PluginMesh.Plugins.Catalog.Kubernetes.Watching;

/// <summary>Why the watch phase ended: the resync trigger to ask the policy about, and whether the API was lost.</summary>
/// <param name="Trigger"><c>reconnected</c>, <c>watch-expired</c> or <c>periodic</c>.</param>
/// <param name="Offline">True when the API server could not be reached.</param>
public sealed record PhaseEnd(string Trigger, bool Offline);
