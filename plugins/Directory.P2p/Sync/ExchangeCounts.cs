namespace PluginMesh.Plugins.Directory.P2p.Sync;

/// <summary>What one stream carried: records sent, and received ones accepted or rejected (duplicates count as neither).</summary>
internal sealed record ExchangeCounts(int Sent, int Accepted, int Rejected)
{
    public static ExchangeCounts None { get; } = new(0, 0, 0);
}
