namespace PluginMesh.Plugins.Directory.P2p.Store;

/// <summary>What happened to an offered record.</summary>
internal enum AcceptStatus
{
    /// <summary>Verified and newer: stored, raised, forwarded.</summary>
    Accepted,
    /// <summary>Exactly the record already held (gossip echo): ignored, not counted as a rejection.</summary>
    Duplicate,
    /// <summary>Not accepted; see the reason.</summary>
    Rejected,
}
