namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>The plugin's instruments on the meter the host hands it.</summary>
internal sealed class RelayMetrics
{
    /// <summary>
    /// Bucket boundaries of <c>pluginmesh.relay.failover.duration</c>, in seconds: 1 ms (the next relay
    /// was already connected) to 60 s (several candidates failed first). The SDK's default boundaries
    /// (0–10000) suit milliseconds and would put nearly every failover in the first bucket.
    /// </summary>
    internal static readonly double[] FailoverDurationBuckets =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60];

    private readonly Counter<long> _bytes;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _upgrades;
    private readonly Counter<long> _failovers;
    private readonly Histogram<double> _failoverDuration;
    private int _circuits;
    private Func<int> _hopReservations = () => 0;
    private Func<int> _clientReservations = () => 0;
    private Func<int> _offered = () => 0;
    private readonly Counter<long> _electionChanges;

    public RelayMetrics(Meter meter)
    {
        _bytes = meter.CreateCounter<long>("pluginmesh.relay.circuit.bytes", "By", "Bytes carried through relayed circuits (hop side)");
        _refusals = meter.CreateCounter<long>("pluginmesh.relay.refusals", null, "Hop requests refused, by status");
        _upgrades = meter.CreateCounter<long>("pluginmesh.relay.circuit.upgrades", null, "Circuits opened under outsider limits that went on under member limits when they reached them (both ends had become members)");
        _failovers = meter.CreateCounter<long>("pluginmesh.relay.failovers", null, "Client reservations moved to another relay after losing one");
        _failoverDuration = meter.CreateHistogram<double>("pluginmesh.relay.failover.duration", "s", "From losing a relay to holding a reservation elsewhere",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FailoverDurationBuckets });
        _electionChanges = meter.CreateCounter<long>("pluginmesh.relay.election.changes", null, "Relay election decisions that changed whether this agent offers the hop service, by offer and cause");
        meter.CreateObservableGauge("pluginmesh.relay.offered", () => _offered(), null, "1 while this agent offers the relay hop service (elected, labelled or configured), else 0");
        meter.CreateObservableGauge("pluginmesh.relay.circuits", () => Volatile.Read(ref _circuits), null, "Open circuits through this relay");
        meter.CreateObservableGauge("pluginmesh.relay.reservations", () => new[]
        {
            new Measurement<int>(_hopReservations(), new KeyValuePair<string, object?>("side", "hop")),
            new Measurement<int>(_clientReservations(), new KeyValuePair<string, object?>("side", "client")),
        }, null, "Active reservations: held by others on us (hop) and held by us on relays (client)");
    }

    public void ObserveHopReservations(Func<int> count) => _hopReservations = count;

    public void ObserveClientReservations(Func<int> count) => _clientReservations = count;

    public void ObserveOffered(Func<int> offered) => _offered = offered;

    public void ElectionChanged(bool offer, string cause) =>
        _electionChanges.Add(1, new KeyValuePair<string, object?>("offer", offer ? "true" : "false"), new KeyValuePair<string, object?>("cause", cause));

    public void CircuitOpened() => Interlocked.Increment(ref _circuits);

    public void CircuitClosed() => Interlocked.Decrement(ref _circuits);

    public void Bytes(long n) => _bytes.Add(n);

    public void CircuitUpgraded() => _upgrades.Add(1);

    public void Refused(string status) => _refusals.Add(1, new KeyValuePair<string, object?>("status", status));

    public void Failover(TimeSpan took)
    {
        _failovers.Add(1);
        _failoverDuration.Record(took.TotalSeconds);
    }
}
