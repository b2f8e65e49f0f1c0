namespace PluginMesh.Plugins.Directory.P2p.Store;

/// <summary>
/// Rate limits per sending peer (the authenticated remote of the stream, not the record's signer): a
/// peer may make this store verify at most so many records, and introduce at most so many PeerIds it
/// did not hold, per second with a burst. Bounded itself: at most <see cref="MaxSenders"/> peers are
/// tracked, idle ones are forgotten first. Not thread-safe: the store calls it under its lock.
/// </summary>
internal sealed class Admission(AdmissionOptions options)
{
    public const int MaxSenders = 4096;
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);
    private readonly Dictionary<string, (TokenBucket Records, TokenBucket NewPeers, DateTimeOffset Used)> _senders = new(StringComparer.Ordinal);

    public bool TakeRecord(string sender, DateTimeOffset now) => Get(sender, now).Records.TryTake(now);

    public bool TakeNewPeer(string sender, DateTimeOffset now) => Get(sender, now).NewPeers.TryTake(now);

    public int Senders => _senders.Count;

    private (TokenBucket Records, TokenBucket NewPeers, DateTimeOffset Used) Get(string sender, DateTimeOffset now)
    {
        if (_senders.TryGetValue(sender, out var entry))
        {
            _senders[sender] = entry with { Used = now };
            return entry;
        }
        if (_senders.Count >= MaxSenders)
        {
            // Forget full (idle) buckets; failing that, the least recently used sender: a new one then
            // starts with a full bucket, which is what it would have had after going idle anyway.
            foreach (var idle in _senders.Where(s => s.Value.Records.IdleSince(now, Idle) && s.Value.NewPeers.IdleSince(now, Idle)).Select(s => s.Key).ToList())
                _senders.Remove(idle);
            if (_senders.Count >= MaxSenders) _senders.Remove(_senders.MinBy(s => s.Value.Used).Key);
        }
        entry = (new TokenBucket(options.RecordsPerSecond, options.RecordsBurst, now), new TokenBucket(options.NewPeersPerSecond, options.NewPeersBurst, now), now);
        _senders[sender] = entry;
        return entry;
    }
}
