using Microsoft.Extensions.Logging;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Dcutr;

internal static partial class HolePunchLog
{
    [LoggerMessage(EventId = 4501, Level = LogLevel.Information, Message = "holepunch with {Peer} succeeded over {Address} (attempt {Attempt})")]
    public static partial void Succeeded(ILogger logger, string peer, string address, int attempt);

    [LoggerMessage(EventId = 4502, Level = LogLevel.Debug, Message = "holepunch with {Peer} attempt {Attempt} failed: {Reason}")]
    public static partial void AttemptFailed(ILogger logger, string peer, int attempt, string reason);

    [LoggerMessage(EventId = 4503, Level = LogLevel.Information, Message = "holepunch with {Peer} gave up after {Attempts} attempts: {Reason}")]
    public static partial void GaveUp(ILogger logger, string peer, int attempts, string reason);

    [LoggerMessage(EventId = 4506, Level = LogLevel.Debug, Message = "holepunch with {Peer}: we offer [{Ours}], it offers [{Theirs}], dialable [{Targets}]")]
    public static partial void Exchanged(ILogger logger, string peer, string ours, string theirs, string targets);
}
