using Microsoft.Extensions.Logging;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>Source-generated log messages of the mDNS half (event ids 100+).</summary>
internal static partial class MdnsLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information,
        Message = "[dns.mdns] mDNS {Service} on {Interfaces}; advertising {Count} addresses as {PeerName}")]
    public static partial void Started(ILogger logger, string service, string interfaces, int count, string peerName);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning,
        Message = "[dns.mdns] mDNS has no usable interface ({Skipped}); discovery is idle")]
    public static partial void NoInterfaces(ILogger logger, string skipped);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning,
        Message = "[dns.mdns] dropped {Count} mDNS packets ({Reason}) in the last {Seconds:0}s, last from {Source} (logged at most once per {Interval:0}s per reason)")]
    public static partial void Dropped(ILogger logger, long count, string reason, double seconds, string source, double interval);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug,
        Message = "[dns.mdns] mDNS peer {PeerId}: {Change} ({Addresses})")]
    public static partial void Peer(ILogger logger, string peerId, string change, string addresses);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning,
        Message = "[dns.mdns] mDNS send on {Interface} failed: {Reason}")]
    public static partial void SendFailed(ILogger logger, string @interface, string reason);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning,
        Message = "[dns.mdns] mDNS receive failed: {Reason}")]
    public static partial void ReceiveFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 106, Level = LogLevel.Error,
        Message = "[dns.mdns] a discovery event handler threw; handlers must not throw")]
    public static partial void HandlerThrew(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 108, Level = LogLevel.Error,
        Message = "[dns.mdns] mDNS cannot use UDP 5353 ({Reason}); discovery is idle, the rest of the agent runs")]
    public static partial void BindFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning,
        Message = "[dns.mdns] not advertising {Address}: {Reason}")]
    public static partial void NotAdvertised(ILogger logger, string address, string reason);

    [LoggerMessage(EventId = 109, Level = LogLevel.Debug,
        Message = "[dns.mdns] not advertising {Address}: {Reason}")]
    public static partial void NotForNeighbours(ILogger logger, string address, string reason);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information,
        Message = "[dns.mdns] advertising {Count} addresses: {Addresses}")]
    public static partial void Advertising(ILogger logger, int count, string addresses);
}
