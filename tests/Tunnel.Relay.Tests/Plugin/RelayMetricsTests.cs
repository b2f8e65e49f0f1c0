using System.Diagnostics.Metrics;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Plugin;

/// <summary>
/// <c>pluginmesh.relay.failover.duration</c> is recorded in seconds, so it must carry bucket boundaries
/// for seconds (the SDK's defaults, 0–10000, are sized for milliseconds).
/// </summary>
public sealed class RelayMetricsTests
{
    [Fact]
    public void FailoverDuration_IsInSeconds_WithBucketsFrom1MillisecondTo60Seconds()
    {
        using var meter = new Meter("test.relay.metrics." + Guid.NewGuid().ToString("N"));
        Histogram<double>? duration = null;
        var recorded = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter != meter || instrument.Name != "pluginmesh.relay.failover.duration") return;
            duration = (Histogram<double>)instrument;
            l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => recorded.Add(value));
        listener.Start();

        new RelayMetrics(meter).Failover(TimeSpan.FromMilliseconds(250));

        Assert.NotNull(duration);
        Assert.Equal("s", duration!.Unit);
        var buckets = duration.Advice?.HistogramBucketBoundaries;
        Assert.NotNull(buckets);
        Assert.Equal(0.001, buckets![0]);
        Assert.Equal(60, buckets[^1]);
        Assert.Equal(buckets.Order(), buckets); // strictly increasing, as the SDK requires
        Assert.Equal(buckets.Count, buckets.Distinct().Count());
        Assert.Equal([0.25], recorded);
    }
}
