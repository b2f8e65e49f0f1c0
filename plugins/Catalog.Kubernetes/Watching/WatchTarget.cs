namespace PluginMesh.Plugins.Catalog.Kubernetes.Watching;

/// <summary>One collection kept watched during the watch phase.</summary>
/// <param name="Name">Name in status, logs and metrics (<c>services</c>, <c>Gateway.networking.istio.io</c>).</param>
/// <param name="Path">The list path watched (with its <c>fieldSelector</c> query, if any).</param>
/// <param name="ResourceVersion">Where the full list left it.</param>
/// <param name="OnEvent">Applies one event (bookmarks included).</param>
/// <param name="OnGone">
/// For an optional kind (DestinationRules, the kinds plugins asked for): the collection answered 404 or 403
/// while watched (CRD removed, RBAC revoked) — its objects are dropped and it is not watched again before the
/// next full list. Null for the core kinds, whose failures end the phase.
/// </param>
internal sealed record WatchTarget(
    string Name,
    string Path,
    string ResourceVersion,
    ResourceWatcher.EventHandler OnEvent,
    Func<int, string, CancellationToken, Task>? OnGone);
