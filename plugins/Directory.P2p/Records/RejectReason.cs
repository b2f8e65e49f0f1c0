namespace PluginMesh.Plugins.Directory.P2p.Records;

/// <summary>Why a record was not accepted; the <c>reason</c> tag of <c>pluginmesh.directory.rejected</c>.</summary>
internal enum RejectReason
{
    /// <summary>Could not be decoded.</summary>
    Malformed,
    /// <summary>The public key is not an Ed25519 libp2p key.</summary>
    BadKey,
    /// <summary>The PeerId is not the identity multihash of the carried key.</summary>
    PeerIdMismatch,
    /// <summary>The signature does not verify.</summary>
    BadSignature,
    /// <summary>Already expired when received.</summary>
    Expired,
    /// <summary>Sequence lower than (or equal to, with different content) the one known for that PeerId.</summary>
    StaleSequence,
    /// <summary>A new PeerId while the store already holds the most records one digest can list.</summary>
    StoreFull,
}
