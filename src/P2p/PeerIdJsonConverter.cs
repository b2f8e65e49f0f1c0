namespace PluginMesh.P2p;

/// <summary>Writes a <see cref="PeerId"/> as its base58btc string and reads one back.</summary>
public sealed class PeerIdJsonConverter() : TextJsonConverter<PeerId>(PeerId.Parse);
