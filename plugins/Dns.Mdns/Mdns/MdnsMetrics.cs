namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>
/// Instruments of the mDNS half plus totals for status: <c>pluginmesh.mdns.peers</c>,
/// <c>pluginmesh.mdns.packets</c> (direction, result), <c>pluginmesh.mdns.dropped</c> (reason).
/// </summary>
internal sealed class MdnsMetrics
{
    private readonly Counter<long> _packets;
    private readonly Counter<long> _dropped;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, long> _packetTotals = new(StringComparer.Ordinal);
    private readonly long[] _dropTotals = new long[MdnsDropReasons.Count];
    private Func<int> _peers = () => 0;

    public MdnsMetrics(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _packets = meter.CreateCounter<long>("pluginmesh.mdns.packets", "{packet}", "mDNS packets by direction (in, out) and result");
        _dropped = meter.CreateCounter<long>("pluginmesh.mdns.dropped", "{packet}", "Incoming mDNS packets dropped, by reason");
        meter.CreateObservableGauge("pluginmesh.mdns.peers", () => _peers(), "{peer}", "Peers currently known through mDNS");
    }

    /// <summary>Where the peer gauge reads from (the running discovery).</summary>
    public void ObservePeers(Func<int> count) => _peers = count;

    /// <summary>Counts a packet; <paramref name="direction"/> is <c>in</c> or <c>out</c>.</summary>
    public void Packet(string direction, string result)
    {
        _packets.Add(1, new KeyValuePair<string, object?>("direction", direction), new KeyValuePair<string, object?>("result", result));
        lock (_lock)
        {
            var key = direction + "." + result;
            _packetTotals[key] = _packetTotals.GetValueOrDefault(key) + 1;
        }
    }

    public void Dropped(MdnsDropReason reason)
    {
        Interlocked.Increment(ref _dropTotals[(int)reason]);
        _dropped.Add(1, new KeyValuePair<string, object?>("reason", MdnsDropReasons.Name(reason)));
        Packet("in", "dropped");
    }

    public IReadOnlyDictionary<string, long> PacketTotals()
    {
        lock (_lock) return new SortedDictionary<string, long>(_packetTotals, StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, long> DropTotals()
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < _dropTotals.Length; i++)
            if (Interlocked.Read(ref _dropTotals[i]) is var n and > 0) result[MdnsDropReasons.Name((MdnsDropReason)i)] = n;
        return result;
    }
}
