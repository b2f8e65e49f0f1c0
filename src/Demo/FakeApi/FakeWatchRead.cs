namespace PluginMesh.Demo.FakeApi;

/// <summary>What a watcher at some resourceVersion gets from <see cref="FakeCluster.ReadSince"/>.</summary>
/// <param name="Expired">True when the resourceVersion is older than the compacted history (410 Gone).</param>
/// <param name="Events">Events after the resourceVersion for the path, oldest first.</param>
/// <param name="ClusterResourceVersion">The cluster resourceVersion when the events were read (what a bookmark may claim).</param>
/// <param name="Changed">Completes on the next change anywhere in the cluster (or bookmark request).</param>
public sealed record FakeWatchRead(bool Expired, IReadOnlyList<FakeWatchEvent> Events, long ClusterResourceVersion, Task Changed);
