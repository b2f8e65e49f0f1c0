namespace PluginMesh.Plugins.Tunnel.Libp2p.Noise;

/// <summary>The Noise handshake or a transport message failed (bad MAC, wrong peer, malformed payload).</summary>
public sealed class NoiseException(string message, Exception? inner = null) : IOException(message, inner);
