using PluginMesh.P2p;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Noise;

/// <summary>The Noise handshake or a transport message failed (bad MAC, wrong peer, malformed payload).</summary>
/// <param name="message">What failed.</param>
/// <param name="inner">The cause, if any.</param>
/// <param name="unexpectedRemote">
/// Set when the remote proved a valid identity that is not the one dialled: the address reached a
/// live member of the network, just not the expected one (ourselves, or a peer that took the address over).
/// </param>
public sealed class NoiseException(string message, Exception? inner = null, PeerId? unexpectedRemote = null) : IOException(message, inner)
{
    /// <summary>The PeerId the remote proved when it was not the expected one; null for every other failure.</summary>
    public PeerId? UnexpectedRemote { get; } = unexpectedRemote;
}
