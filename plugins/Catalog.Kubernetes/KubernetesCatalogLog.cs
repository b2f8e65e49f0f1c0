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

    [LoggerMessage(EventId = 10, Level = LogLevel.Information,
        Message = "[catalog.kubernetes] watching Istio DestinationRules ({ApiVersion}) on {Api}: trafficPolicy.loadBalancer sets services' load-balancing policy")]
    public static partial void DestinationRulesWatched(ILogger logger, string apiVersion, string api);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information,
        Message = "[catalog.kubernetes] Istio DestinationRules are not served by {Api} (404: Istio not installed); not watching them, asking again on every full list")]
    public static partial void DestinationRulesNotServed(ILogger logger, string api);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning,
        Message = "[catalog.kubernetes] istio: true, but Istio DestinationRules are not served by {Api} (404); not watching them, asking again on every full list")]
    public static partial void DestinationRulesNotServedExpected(ILogger logger, string api);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning,
        Message = "[catalog.kubernetes] not allowed to list Istio DestinationRules ({Reason}); grant get, list, watch on destinationrules.networking.istio.io (see deploy/) or set istio: false. Services keep their own load-balancing policy")]
    public static partial void DestinationRulesForbidden(ILogger logger, string reason);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning,
        Message = "[catalog.kubernetes] listing Istio DestinationRules failed ({Reason}); the rules known so far stay in effect, asking again on the next full list")]
    public static partial void DestinationRulesFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning,
        Message = "[catalog.kubernetes] {Message}")]
    public static partial void DestinationRuleNotice(ILogger logger, string message);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information,
        Message = "[catalog.kubernetes] not publishing this agent on Node {Node}: {Reason}")]
    public static partial void PublishOff(ILogger logger, string node, string reason);

    [LoggerMessage(EventId = 17, Level = LogLevel.Information,
        Message = "[catalog.kubernetes] Node {Node} carries this agent: PeerId {PeerId}, {Addresses} addresses, relay {Relay}")]
    public static partial void Published(ILogger logger, string node, string peerId, int addresses, bool relay);

    [LoggerMessage(EventId = 18, Level = LogLevel.Debug,
        Message = "[catalog.kubernetes] Node {Node} updated: {Addresses} addresses, relay {Relay}")]
    public static partial void PublishUpdated(ILogger logger, string node, int addresses, bool relay);

    [LoggerMessage(EventId = 19, Level = LogLevel.Warning,
        Message = "[catalog.kubernetes] cannot publish this agent on Node {Node} ({State}: {Error}); {Hint}. Gossip and mDNS still find it; retrying with backoff up to {RetryMaxSeconds} s")]
    public static partial void PublishRefused(ILogger logger, string node, string state, string error, string hint, double retryMaxSeconds);

    [LoggerMessage(EventId = 20, Level = LogLevel.Error,
        Message = "[catalog.kubernetes] unexpected error while publishing this agent on its Node; retrying")]
    public static partial void PublishUnexpected(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information,
        Message = "[catalog.kubernetes] watching {Kind} ({ApiVersion}) on {Api} for the plugins that asked for it")]
    public static partial void ResourceWatched(ILogger logger, string kind, string apiVersion, string api);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information,
        Message = "[catalog.kubernetes] {Kind} is not served by {Api} ({Reason}: its CustomResourceDefinition is not installed); not watching it, asking again on every full list")]
    public static partial void ResourceNotServed(ILogger logger, string kind, string api, string reason);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning,
        Message = "[catalog.kubernetes] not allowed to list {Kind} ({Reason}); grant {Rule} to the agent's role (see deploy/). Asking again on every full list")]
    public static partial void ResourceForbidden(ILogger logger, string kind, string reason, string rule);

    [LoggerMessage(EventId = 24, Level = LogLevel.Warning,
        Message = "[catalog.kubernetes] listing {Kind} failed ({Reason}); the objects known so far stay, asking again on the next full list")]
    public static partial void ResourceFailed(ILogger logger, string kind, string reason);
}
