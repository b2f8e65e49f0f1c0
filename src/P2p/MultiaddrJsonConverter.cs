namespace PluginMesh.P2p;

/// <summary>Writes a <see cref="Multiaddr"/> as its text and reads one back.</summary>
public sealed class MultiaddrJsonConverter() : TextJsonConverter<Multiaddr>(Multiaddr.Parse);
