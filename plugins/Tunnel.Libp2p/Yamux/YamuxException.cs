namespace PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

/// <summary>A Yamux stream or session failed: reset by the peer, session closed, or a local limit hit.</summary>
public sealed class YamuxException(string message, bool limitExceeded = false, bool reset = false, bool goingAway = false) : IOException(message)
{
    public bool LimitExceeded { get; } = limitExceeded;

    public bool WasReset { get; } = reset;

    /// <summary>No new stream: this side stopped opening streams (draining) or the peer sent GoAway. The session itself may still carry its open streams.</summary>
    public bool GoingAway { get; } = goingAway;
}
