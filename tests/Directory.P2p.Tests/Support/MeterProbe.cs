using System.Diagnostics.Metrics;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Support;

/// <summary>Sums a counter of one meter (optionally one <c>reason</c> tag value) with a MeterListener.</summary>
internal static class MeterProbe
{
    public static Func<long> Count(Meter meter, string instrument, string? reason)
    {
        long total = 0;
        var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (ReferenceEquals(i.Meter, meter) && i.Name == instrument) l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (reason is null) Interlocked.Add(ref total, value);
            else
            {
                foreach (var t in tags)
                    if (t.Key == "reason" && (string?)t.Value == reason) Interlocked.Add(ref total, value);
            }
        });
        listener.Start();
        return () => Interlocked.Read(ref total);
    }
}
