namespace PluginMesh.Plugins.Tunnel.Libp2p.Multistream;

/// <summary>multistream-select failed: the peer broke the protocol or supports none of our protocols.</summary>
public sealed class MultistreamException(string message, bool protocolNotSupported = false) : IOException(message)
{
    /// <summary>True when negotiation itself worked but no protocol was common (the peer said <c>na</c>).</summary>
    public bool ProtocolNotSupported { get; } = protocolNotSupported;
}
