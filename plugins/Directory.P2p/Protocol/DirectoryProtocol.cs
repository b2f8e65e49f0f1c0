namespace PluginMesh.Plugins.Directory.P2p.Protocol;

/// <summary>Ids and bounds of <c>/pluginmesh/directory/1.0.0</c> (see README "Sync protocol").</summary>
internal static class DirectoryProtocol
{
    public const string ProtocolId = "/pluginmesh/directory/1.0.0";

    /// <summary>Largest frame payload accepted; a bigger announced length closes the stream before reading it.</summary>
    public const int MaxFrameBytes = 1024 * 1024;

    /// <summary>Most digest entries in one DIGEST message.</summary>
    public const int MaxDigestEntries = 8192;

    /// <summary>Records per RECORDS frame: 32 × 16 KiB stays under <see cref="MaxFrameBytes"/>.</summary>
    public const int RecordsPerFrame = 32;

    /// <summary>Most RECORDS frames one stream may carry, so a peer cannot keep a handler busy forever.</summary>
    public const int MaxRecordFramesPerStream = 1024;
}
