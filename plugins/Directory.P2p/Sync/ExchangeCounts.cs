namespace PluginMesh.Plugins.Directory.P2p.Sync;

/// <summary>
/// What one stream carried: records sent, and received ones accepted or rejected (duplicates count as
/// neither), and the RECONCILE frames we sent (version 2; one for a converged initiator).
/// </summary>
internal sealed record ExchangeCounts(int Sent, int Accepted, int Rejected, int Rounds = 0)
{
    public static ExchangeCounts None { get; } = new(0, 0, 0);
}
