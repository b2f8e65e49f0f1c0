namespace PluginMesh.Plugins.Proxy.Socks5;

/// <summary>Source-generated log messages of <c>proxy.socks5</c>.</summary>
internal static partial class Socks5Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "[proxy.socks5] SOCKS5 listening on {Endpoint} (authentication {Auth})")]
    public static partial void Listening(ILogger logger, string endpoint, string auth);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "[proxy.socks5] cannot listen on {Endpoint}: {Reason}; trying again every {Seconds} s (169.254.96.16 appears once the DNS plugin created its interface)")]
    public static partial void ListenFailed(ILogger logger, string endpoint, string reason, int seconds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "[proxy.socks5] {Client} → {Target}: {Result} ({Reason})")]
    public static partial void Refused(ILogger logger, string client, string target, string result, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "[proxy.socks5] request of {Peer} for {Target} refused: {Reason}")]
    public static partial void ServeRefused(ILogger logger, string peer, string target, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "[proxy.socks5] auth: off while listening on {Endpoint}, beyond loopback and 169.254.96.16: anyone who reaches it can open connections to the allowed ports of every node")]
    public static partial void OpenListener(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "[proxy.socks5] serving {Protocol} for members: ports {Ports} of this node")]
    public static partial void Serving(ILogger logger, string protocol, string ports);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "[proxy.socks5] a SOCKS connection failed unexpectedly")]
    public static partial void SessionFailed(ILogger logger, Exception exception);
}
