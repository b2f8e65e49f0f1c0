using Microsoft.Extensions.Logging;

namespace PluginMesh.Plugins.Catalog.Kubernetes;

/// <summary>Source-generated log messages of <c>catalog.kubernetes</c>.</summary>
internal static partial class KubernetesCatalogLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "[catalog.kubernetes] listed {Api} ({Trigger}): {Services} services, {Endpoints} endpoints, {Nodes} nodes, endpoints from {EndpointsResource}")]
    public static partial void Listed(ILogger logger, string api, string trigger, int services, int endpoints, int nodes, string endpointsResource);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "[catalog.kubernetes] {Api} unreachable or failing ({Reason}); retrying in the background")]
    public static partial void Unavailable(ILogger logger, string api, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "[catalog.kubernetes] serving {Objects} objects from the cache until the API answers")]
    public static partial void ServedFromCache(ILogger logger, int objects);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning,
        Message = "[catalog.kubernetes] skipped {Resource} {Key}: {Reason}{Suppressed}")]
    public static partial void Skipped(ILogger logger, string resource, string key, string reason, string suppressed);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information,
        Message = "[catalog.kubernetes] watch of {Resource} expired at resourceVersion {ResourceVersion} (410 Gone); re-listing")]
    public static partial void WatchExpired(ILogger logger, string resource, string resourceVersion);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information,
        Message = "[catalog.kubernetes] EndpointSlices are not served by {Api} (404); using core/v1 Endpoints")]
    public static partial void EndpointsFallback(ILogger logger, string api);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning,
        Message = "[catalog.kubernetes] watch of {Resource} failed ({Reason}); reopening from resourceVersion {ResourceVersion} in {DelayMs} ms")]
    public static partial void WatchFailed(ILogger logger, string resource, string reason, string resourceVersion, long delayMs);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning,
        Message = "[catalog.kubernetes] writing to the cache failed; the catalog is applied but a restart without the API may serve older data")]
    public static partial void CacheFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error,
        Message = "[catalog.kubernetes] unexpected error; restarting list and watch")]
    public static partial void Unexpected(ILogger logger, Exception exception);
}
