namespace PluginMesh.Plugins.Gateway.Istio;

/// <summary>Source-generated log messages of <c>gateway.istio</c>.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "[gateway.istio] listening on port {Port} ({Protocol}) at {Addresses}")]
    public static partial void Listening(ILogger logger, int port, string protocol, string addresses);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "[gateway.istio] cannot listen on port {Port}: {Reason}; tried again at the next configuration change and every {Seconds} s")]
    public static partial void ListenFailed(ILogger logger, int port, string reason, int seconds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "[gateway.istio] port {Port} closed (no Gateway server uses it any more); open connections may finish for {Seconds} s")]
    public static partial void Closed(ILogger logger, int port, int seconds);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "[gateway.istio] configuration of catalog version {Version}: {Listeners} listeners, {Routes} routes, {Warnings} warnings")]
    public static partial void Applied(ILogger logger, long version, int listeners, int routes, int warnings);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "[gateway.istio] {Warning}")]
    public static partial void ConfigWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "[gateway.istio] no service connector (capability service-connector, e.g. proxy.iptables): every request is answered 503")]
    public static partial void NoConnector(ILogger logger);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "[gateway.istio] building the configuration failed; the previous one stays in effect")]
    public static partial void BuildFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "[gateway.istio] a {Protocol} connection on port {Port} failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, string protocol, int port, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "[gateway.istio] cannot write the access log to {Path}: {Reason}; access log lines are dropped")]
    public static partial void AccessLogFailed(ILogger logger, string path, string reason);
}
