namespace PluginMesh.P2p.Crypto;

/// <summary>libp2p key types (the <c>KeyType</c> enum of the key protobuf).</summary>
public enum KeyType
{
    /// <summary>RSA (PKCS#1 v1.5 / SHA-256 signatures). Parsed, not verified here.</summary>
    Rsa = 0,
    /// <summary>Ed25519 (RFC 8032): the only type this core signs and verifies.</summary>
    Ed25519 = 1,
    /// <summary>secp256k1. Parsed, not verified here.</summary>
    Secp256k1 = 2,
    /// <summary>ECDSA. Parsed, not verified here.</summary>
    Ecdsa = 3,
}
