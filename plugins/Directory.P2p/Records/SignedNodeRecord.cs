namespace PluginMesh.Plugins.Directory.P2p.Records;

/// <summary>A record as it travels: the decoded fields plus the exact signed body, the key and the signature.</summary>
/// <param name="Record">The fields.</param>
/// <param name="PublicKey">The signer's libp2p <c>PublicKey</c> protobuf (also inside <paramref name="Body"/>).</param>
/// <param name="Body">The canonical body bytes the signature covers (after the domain string).</param>
/// <param name="Signature">Ed25519 signature over <see cref="RecordCodec.Domain"/> ‖ <paramref name="Body"/>.</param>
internal sealed record SignedNodeRecord(NodeRecord Record, byte[] PublicKey, byte[] Body, byte[] Signature);
