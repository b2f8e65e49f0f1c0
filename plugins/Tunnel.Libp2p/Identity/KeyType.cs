namespace PluginMesh.Plugins.Tunnel.Libp2p.Identity;

/// <summary>libp2p key types (the <c>KeyType</c> enum of the key protobuf).</summary>
public enum KeyType
{
    Rsa = 0,
    Ed25519 = 1,
    Secp256k1 = 2,
    Ecdsa = 3,
}
