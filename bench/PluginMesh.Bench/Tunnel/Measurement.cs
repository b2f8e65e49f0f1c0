namespace PluginMesh.Bench.Tunnel;

/// <summary>One timed run: a one-way transfer (<see cref="Bytes"/> &gt; 0) or 1-byte round trips (<see cref="RttMicros"/>).</summary>
internal sealed record Measurement(string Transport, string Case, double Seconds, long Bytes, double CpuSeconds, double[] RttMicros)
{
    public double MiBPerSecond => Bytes / 1048576.0 / Seconds;

    /// <summary>Process user+sys CPU seconds (both ends) per GiB moved.</summary>
    public double CpuSecondsPerGiB => CpuSeconds / (Bytes / 1073741824.0);

    public double P50 => Percentile(0.50);

    public double P99 => Percentile(0.99);

    private double Percentile(double q)
    {
        if (RttMicros.Length == 0) return double.NaN;
        var sorted = RttMicros.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
    }
}
