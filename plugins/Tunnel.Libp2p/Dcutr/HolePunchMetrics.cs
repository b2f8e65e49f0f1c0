namespace PluginMesh.Plugins.Tunnel.Libp2p.Dcutr;

/// <summary><c>pluginmesh.holepunch.attempts</c> and <c>pluginmesh.holepunch.outcomes</c> {result}.</summary>
internal sealed class HolePunchMetrics(Meter? meter)
{
    private readonly Counter<long>? _attempts = meter?.CreateCounter<long>("pluginmesh.holepunch.attempts", description: "DCUtR hole punch attempts (each exchange plus simultaneous dial)");
    private readonly Counter<long>? _outcomes = meter?.CreateCounter<long>("pluginmesh.holepunch.outcomes", description: "DCUtR hole punches finished, by result (success, failure)");
    private long _success;
    private long _failure;
    private long _attemptCount;

    public long Successes => Interlocked.Read(ref _success);

    public long Failures => Interlocked.Read(ref _failure);

    public long Attempts => Interlocked.Read(ref _attemptCount);

    public void Attempt()
    {
        Interlocked.Increment(ref _attemptCount);
        _attempts?.Add(1);
    }

    public void Outcome(bool success)
    {
        Interlocked.Increment(ref success ? ref _success : ref _failure);
        _outcomes?.Add(1, new KeyValuePair<string, object?>("result", success ? "success" : "failure"));
    }
}
