namespace PluginMesh.Plugins.Catalog.Kubernetes.Watching;

/// <summary>The end of one watch request.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="ResourceVersion">The last resourceVersion seen (the one to resume from).</param>
/// <param name="Events">Events received (bookmarks included); a watch that delivered some made progress.</param>
/// <param name="Reason">Detail for logs and status.</param>
/// <param name="StatusCode">The HTTP status, or the code of the ERROR event's Status, that ended the watch; 0 otherwise.</param>
public sealed record WatchResult(WatchOutcome Outcome, string ResourceVersion, int Events, string Reason, int StatusCode = 0);
