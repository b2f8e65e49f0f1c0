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
    /// <summary>A new PeerId while the store is at its cap and holds nothing it may evict (all bound by the API, or our own).</summary>
    StoreFull,
    /// <summary>Contradicts a binding from the API (now or cached): the name is bound to another PeerId, or the PeerId to another name.</summary>
    BindingMismatch,
    /// <summary>The sending peer exceeded its admission rate (records, or PeerIds the store did not hold).</summary>
    RateLimited,
}
