namespace PluginMesh.Plugins.Directory.P2p;

/// <summary>Source-generated log messages of <c>directory.p2p</c>.</summary>
internal static partial class DirectoryLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "[directory.p2p] node name {NodeName} is claimed by {Claimant} while {Holder} holds it; keeping {Holder} until its record expires")]
    public static partial void Conflict(ILogger logger, string nodeName, string claimant, string holder);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "[directory.p2p] this node's name {NodeName} was claimed by {Other}; our own record holds it here, but other agents may resolve it to {Other}")]
    public static partial void ConflictWithSelf(ILogger logger, string nodeName, string other);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "[directory.p2p] could not build the record for {NodeName}: {Reason}")]
    public static partial void PublishFailed(ILogger logger, string nodeName, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "[directory.p2p] rejected a record ({Reason}) from {Source}: {Detail} ({Suppressed} more of this reason suppressed since the last message)")]
    public static partial void Rejected(ILogger logger, string reason, string source, string detail, long suppressed);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "[directory.p2p] loaded {Count} records from the cache ({Invalid} invalid ones dropped)")]
    public static partial void Loaded(ILogger logger, int count, int invalid);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "[directory.p2p] published record seq {Sequence} for {NodeName} with {Addresses} addresses")]
    public static partial void Published(ILogger logger, long sequence, string nodeName, int addresses);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "[directory.p2p] exchange with {PeerId} failed: {Reason}")]
    public static partial void ExchangeFailed(ILogger logger, string peerId, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "[directory.p2p] closed a stream from {PeerId}: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, string peerId, string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "[directory.p2p] could not write record {NodeName} to the cache: {Reason}")]
    public static partial void PersistFailed(ILogger logger, string nodeName, string reason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "[directory.p2p] no identity (no ILocalPeer): this node publishes no record and only serves what it learns")]
    public static partial void NoIdentity(ILogger logger);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "[directory.p2p] the API names {PeerId} as the agent of {First} and of {Second}; binding {First} only")]
    public static partial void DuplicateBinding(ILogger logger, string peerId, string first, string second);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "[directory.p2p] housekeeping round failed: {Reason}")]
    public static partial void HousekeepingFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "[directory.p2p] retired node {NodeName} locally: {Reason}; its record stops resolving and its endpoints leave load balancing here")]
    public static partial void Retired(ILogger logger, string nodeName, string reason);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "[directory.p2p] node {NodeName} is back: {Why}")]
    public static partial void Lifted(ILogger logger, string nodeName, string why);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "[directory.p2p] the API is back: its view replaces {Count} local retirement(s)")]
    public static partial void ApiBack(ILogger logger, int count);

    [LoggerMessage(EventId = 16, Level = LogLevel.Warning, Message = "[directory.p2p] shouldRetire failed for {NodeName}: {Reason}; the node is kept")]
    public static partial void PolicyFailed(ILogger logger, string nodeName, string reason);

    [LoggerMessage(EventId = 17, Level = LogLevel.Warning, Message = "[directory.p2p] a liveness Changed handler failed: {Reason}")]
    public static partial void HandlerFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 18, Level = LogLevel.Information, Message = "[directory.p2p] bootstrap: {Connected} peer(s) connected; exchanging with {NodeName} ({PeerId}), which the API binds")]
    public static partial void Bootstrap(ILogger logger, int connected, string nodeName, string peerId);
}
