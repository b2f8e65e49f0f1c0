namespace PluginMesh.Plugins.Directory.P2p.Protocol;

/// <summary>Ids and bounds of the directory protocols (see README "Sync protocol").</summary>
internal static class DirectoryProtocol
{
    /// <summary>Range reconciliation (RECONCILE frames) and pushes: what this agent speaks first.</summary>
    public const string ProtocolId = "/pluginmesh/directory/2.0.0";

    /// <summary>The former protocol (DIGEST of every record), still served and spoken to peers that lack 2.0.0.</summary>
    public const string ProtocolIdV1 = "/pluginmesh/directory/1.0.0";

    /// <summary>Largest frame payload accepted; a bigger announced length closes the stream before reading it.</summary>
    public const int MaxFrameBytes = 1024 * 1024;

    /// <summary>Most digest entries in one DIGEST message (version 1).</summary>
    public const int MaxDigestEntries = 8192;

    /// <summary>Records per RECORDS frame: 32 × 16 KiB stays under <see cref="MaxFrameBytes"/>.</summary>
    public const int RecordsPerFrame = 32;

    /// <summary>Most RECORDS frames one stream may carry (a full store's worth), so a peer cannot keep a handler busy forever.</summary>
    public const int MaxRecordFramesPerStream = 32_768;

    /// <summary>Most ranges in one RECONCILE (about 200 KiB of fingerprints).</summary>
    public const int MaxRanges = 4096;

    /// <summary>Most listed items over all ranges of one RECONCILE.</summary>
    public const int MaxListedItems = 8192;

    /// <summary>Most needed keys in one RECONCILE.</summary>
    public const int MaxNeeds = 8192;

    /// <summary>Most RECONCILE frames one side may send on one stream (the tree is about log16(N/32) deep).</summary>
    public const int MaxRounds = 32;

    /// <summary>A range holding at most this many of our items is listed rather than split.</summary>
    public const int LeafSize = 32;

    /// <summary>How many sub-ranges a differing range is split into.</summary>
    public const int Branching = 16;

    /// <summary>Bytes of a range fingerprint.</summary>
    public const int FingerprintBytes = 16;
}
