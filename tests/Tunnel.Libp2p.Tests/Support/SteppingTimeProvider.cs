namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary>Time that moves only by <paramref name="step"/> per reading: frozen (0) or always "slow".</summary>
internal sealed class SteppingTimeProvider(TimeSpan step) : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Add(ref _ticks, step.Ticks);
}
