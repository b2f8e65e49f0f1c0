namespace PluginMesh.Plugins.Dns.Mdns;

/// <summary>Source-generated log messages of <c>dns.mdns</c>.</summary>
internal static partial class DnsLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "[dns.mdns] serving {Domain} on {Endpoints} (udp+tcp); forwarding to {Upstreams}")]
    public static partial void Started(ILogger logger, string domain, string endpoints, string upstreams);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "[dns.mdns] no upstream resolvers (resolvConf {Path}: {Reason}); names outside the cluster domain get SERVFAIL")]
    public static partial void NoUpstreams(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug,
        Message = "[dns.mdns] upstream {Upstream} failed: {Reason}")]
    public static partial void UpstreamFailed(ILogger logger, string upstream, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning,
        Message = "[dns.mdns] all {Count} upstreams failed for {Name}; answered SERVFAIL (logged at most every 10 s)")]
    public static partial void AllUpstreamsFailed(ILogger logger, string name, int count);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug,
        Message = "[dns.mdns] zone rebuilt from catalog version {Version}: {Names} names")]
    public static partial void ZoneRebuilt(ILogger logger, long version, int names);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error,
        Message = "[dns.mdns] could not rebuild the zone from catalog version {Version}; still serving version {Serving}")]
    public static partial void ZoneRebuildFailed(ILogger logger, long version, long serving, Exception exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning,
        Message = "[dns.mdns] refused a TCP connection from {Remote}: {Limit} connections already open")]
    public static partial void TcpLimit(ILogger logger, string remote, int limit);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error,
        Message = "[dns.mdns] query handling failed unexpectedly (the packet was dropped)")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information,
        Message = "[dns.mdns] interface {Interface}: {Action}")]
    public static partial void Interface(ILogger logger, string @interface, string action);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "[dns.mdns] could not remove interface {Interface}: {Reason}")]
    public static partial void InterfaceRemoveFailed(ILogger logger, string @interface, string reason);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning,
        Message = "[dns.mdns] cannot serve {Default}: {Reason}; serving DNS on {Fallback} instead (pods whose clusterDNS is {Default} get no answer from this agent). Install iproute2 and give the agent CAP_NET_ADMIN, or set listen")]
    public static partial void InterfaceFallback(ILogger logger, string @default, string reason, string fallback);
}
