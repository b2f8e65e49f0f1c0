using System.Diagnostics.Metrics;
using PluginMesh.Plugins.Dns.Mdns.Server;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Server;

/// <summary>
/// <c>pluginmesh.dns.duration</c> is recorded in seconds, so it must carry bucket boundaries for
/// seconds (the SDK's defaults, 0–10000, are sized for milliseconds and put every answer in one bucket).
/// </summary>
public sealed class DnsMetricsTests
{
    [Fact]
    public void Duration_IsInSeconds_WithBucketsFrom50MicrosecondsTo5Seconds()
    {
        using var meter = new Meter("test.dns.metrics." + Guid.NewGuid().ToString("N"));
        Histogram<double>? duration = null;
        var recorded = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter != meter || instrument.Name != "pluginmesh.dns.duration") return;
            duration = (Histogram<double>)instrument;
            l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => recorded.Add(value));
        listener.Start();

        var metrics = new DnsMetrics(meter);
        metrics.Record(QueryResult.Answer, "udp", TimeSpan.FromMilliseconds(1.5));

        Assert.NotNull(duration);
        Assert.Equal("s", duration!.Unit);
        var buckets = duration.Advice?.HistogramBucketBoundaries;
        Assert.NotNull(buckets);
        Assert.Equal(0.00005, buckets![0]);
        Assert.Equal(5, buckets[^1]);
        Assert.Equal(buckets.Order(), buckets); // strictly increasing, as the SDK requires
        Assert.Equal(buckets.Count, buckets.Distinct().Count());
        Assert.Equal([0.0015], recorded);
    }
}
