namespace PluginMesh.Plugins.Tunnel.Libp2p.Noise;

/// <summary>A finished handshake: the secure stream, who is on the other end, and the inlined muxer.</summary>
/// <param name="Stream">Encrypted transport; dispose to close the connection.</param>
/// <param name="RemotePeerId">Proven by the signature over the remote's static key.</param>
/// <param name="RemotePublicKey">The remote's <c>PublicKey</c> protobuf.</param>
/// <param name="Muxer">The muxer agreed inside the handshake, or null when multistream-select must pick one.</param>
/// <param name="HandshakeHash">The final handshake hash <c>h</c>: the same on both ends, different for every connection.</param>
public sealed record NoiseHandshakeResult(NoiseStream Stream, PeerId RemotePeerId, byte[] RemotePublicKey, string? Muxer, byte[] HandshakeHash);
