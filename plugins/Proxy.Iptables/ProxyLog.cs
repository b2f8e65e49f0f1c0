namespace PluginMesh.Plugins.Proxy.Iptables;

/// <summary>Source-generated log messages of <c>proxy.iptables</c>.</summary>
internal static partial class ProxyLog
{
    [LoggerMessage(1, LogLevel.Information, "[proxy.iptables] started in {Mode} mode ({Reason})")]
    public static partial void Started(this ILogger logger, ProxyMode mode, string reason);

    [LoggerMessage(21, LogLevel.Warning, "[proxy.iptables] listen mode, not iptables: {Reason}. ClusterIP traffic is not intercepted; "
        + "clients reach each service on the local port `pluginmesh services` lists. Set mode: listen to make this the intent, or mode: iptables to require interception")]
    public static partial void AutoChoseListen(this ILogger logger, string reason);

    [LoggerMessage(2, LogLevel.Information, "[proxy.iptables] stopped; rules removed: {RulesRemoved}")]
    public static partial void Stopped(this ILogger logger, bool rulesRemoved);

    [LoggerMessage(3, LogLevel.Warning, "[proxy.iptables] service {Service}: load balancer '{Name}' is not supported; using {Fallback}")]
    public static partial void UnknownLoadBalancer(this ILogger logger, string service, string name, string fallback);

    [LoggerMessage(4, LogLevel.Debug, "[proxy.iptables] {Service}: dial {Endpoint} via {Path} failed: {Reason}")]
    public static partial void DialFailed(this ILogger logger, string service, string endpoint, string path, string reason);

    [LoggerMessage(5, LogLevel.Warning, "[proxy.iptables] endpoint {Endpoint} ejected after repeated dial failures")]
    public static partial void Ejected(this ILogger logger, string endpoint);

    [LoggerMessage(15, LogLevel.Information, "[proxy.iptables] endpoint {Endpoint} back in load balancing: {Why}")]
    public static partial void Readmitted(this ILogger logger, string endpoint, string why);

    [LoggerMessage(6, LogLevel.Warning, "[proxy.iptables] {Service}: no endpoint reachable ({Attempts})")]
    public static partial void GaveUp(this ILogger logger, string service, string attempts);

    [LoggerMessage(7, LogLevel.Information, "[proxy.iptables] rules synced: {Rules} rules ({Kind}) in {Ms:F1} ms")]
    public static partial void Synced(this ILogger logger, int rules, string kind, double ms);

    [LoggerMessage(8, LogLevel.Error, "[proxy.iptables] rule sync failed")]
    public static partial void SyncFailed(this ILogger logger, Exception exception);

    [LoggerMessage(9, LogLevel.Warning, "[proxy.iptables] leftover rules from an earlier run found and replaced")]
    public static partial void LeftoversRepaired(this ILogger logger);

    [LoggerMessage(10, LogLevel.Warning, "[proxy.iptables] listener for {Service} failed: {Reason}")]
    public static partial void ListenerFailed(this ILogger logger, string service, string reason);

    [LoggerMessage(11, LogLevel.Debug, "[proxy.iptables] intercepted connection to {Destination} matches no service; closed")]
    public static partial void NoService(this ILogger logger, string destination);

    [LoggerMessage(12, LogLevel.Warning, "[proxy.iptables] tunnel request refused: {Reason}")]
    public static partial void TunnelRefused(this ILogger logger, string reason);

    [LoggerMessage(13, LogLevel.Debug, "[proxy.iptables] {Address} of {Service} is IPv6 and this node has no IPv6 listener ({Why}); not intercepted")]
    public static partial void Ipv6Skipped(this ILogger logger, string address, string service, string why);

    [LoggerMessage(16, LogLevel.Warning, "[proxy.iptables] IPv6 rules ({Rules}) not applied: {Reason}; IPv4 is intercepted as usual, IPv6 ClusterIPs are not until ip6tables works")]
    public static partial void Ipv6RulesFailed(this ILogger logger, int rules, string reason);

    [LoggerMessage(17, LogLevel.Debug, "[proxy.iptables] ip6tables not usable here ({Reason}); tried again when an IPv6 service address appears")]
    public static partial void Ipv6Unusable(this ILogger logger, string reason);

    [LoggerMessage(18, LogLevel.Information, "[proxy.iptables] node ports and external IPs with externalTrafficPolicy Local reach their endpoints from the client's address (mark 0x{Mark:x}, table {Table})")]
    public static partial void ClientSourceReady(this ILogger logger, uint mark, int table);

    [LoggerMessage(19, LogLevel.Warning, "[proxy.iptables] client addresses are not kept for externalTrafficPolicy Local (endpoints see this node's address): {Reason}")]
    public static partial void ClientSourceFailed(this ILogger logger, string reason);

    [LoggerMessage(20, LogLevel.Warning, "[proxy.iptables] the proxy's event loop could not be opened ({Reason}); connections go through the runtime's socket engine")]
    public static partial void EventLoopUnavailable(this ILogger logger, string reason);

    [LoggerMessage(14, LogLevel.Error, "[proxy.iptables] connection handler failed")]
    public static partial void HandlerFailed(this ILogger logger, Exception exception);
}
