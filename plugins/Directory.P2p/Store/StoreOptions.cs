namespace PluginMesh.Plugins.Directory.P2p.Store;

/// <summary>How the store bounds what it keeps (see README "Bounds").</summary>
/// <param name="MaxRecords">Most records held; at the cap unbound ones are evicted (expired first, then least recently refreshed).</param>
/// <param name="RecordTtl">This agent's TTL: a received record's expiry counts for at most twice it past its arrival.</param>
/// <param name="ServeExpired">Keep resolving an expired record (when nothing fresher claims the name) for <paramref name="MaxStale"/>.</param>
/// <param name="MaxStale">How long past its expiry a record is still resolved and kept; then it is dropped.</param>
/// <param name="Admission">Per-peer rates of records and of new PeerIds.</param>
internal sealed record StoreOptions(int MaxRecords, TimeSpan RecordTtl, bool ServeExpired, TimeSpan MaxStale, AdmissionOptions Admission)
{
    public static StoreOptions Default { get; } = new(32_768, TimeSpan.FromHours(1), ServeExpired: true, TimeSpan.FromDays(1), AdmissionOptions.Default);

    /// <summary>The latest expiry a record received at <paramref name="receivedAt"/> is held to.</summary>
    public DateTimeOffset ExpiryCap(DateTimeOffset receivedAt) => receivedAt + 2 * RecordTtl;
}

/// <summary>Token buckets per sending peer: records offered, and records of PeerIds the store did not hold.</summary>
/// <param name="RecordsPerSecond">Refill of the records bucket.</param>
/// <param name="RecordsBurst">Its size: a whole first exchange with a peer should fit.</param>
/// <param name="NewPeersPerSecond">Refill of the new-PeerIds bucket (PeerIds the API binds need no token).</param>
/// <param name="NewPeersBurst">Its size.</param>
internal sealed record AdmissionOptions(double RecordsPerSecond, int RecordsBurst, double NewPeersPerSecond, int NewPeersBurst)
{
    public static AdmissionOptions Default { get; } = new(200, 32_768, 20, 4_096);

    /// <summary>No limit (benchmarks that measure the protocol alone).</summary>
    public static AdmissionOptions Unlimited { get; } = new(1e9, int.MaxValue, 1e9, int.MaxValue);
}
