namespace PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

/// <summary>A Yamux stream or session failed: reset by the peer, session closed, or a local limit hit.</summary>
public sealed class YamuxException(string message, bool limitExceeded = false, bool reset = false) : IOException(message)
{
    public bool LimitExceeded { get; } = limitExceeded;

    public bool WasReset { get; } = reset;
}
