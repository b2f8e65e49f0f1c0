using System.Diagnostics.Metrics;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>
/// Records the <c>pluginmesh.proxy.*</c> measurements of one proxy's meter (set with <see cref="Watch"/>
/// once the proxy exists), so assertions ignore the proxies of tests running in parallel.
/// </summary>
public sealed class ProxyMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<(string Name, long Value, Dictionary<string, object?> Tags)> _all = [];
    private string? _meterName;

    public ProxyMeasurements()
    {
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name.StartsWith("pluginmesh.proxy.", StringComparison.Ordinal)) l.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Meter.Name != Volatile.Read(ref _meterName)) return;
            lock (_all) _all.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
        });
        _listener.Start();
    }

    /// <summary>Records from now on the meter of <paramref name="proxy"/>.</summary>
    public void Watch(ProxyHarness proxy) => Volatile.Write(ref _meterName, proxy.MeterName);

    /// <summary>A copy of what was recorded so far, after reading the gauges once.</summary>
    public List<(string Name, long Value, Dictionary<string, object?> Tags)> Snapshot()
    {
        _listener.RecordObservableInstruments();
        lock (_all) return [.. _all];
    }

    /// <summary>The sum of <paramref name="instrument"/>'s values whose tag <paramref name="tag"/> is <paramref name="value"/>.</summary>
    public long Sum(string instrument, string tag, string value) =>
        Snapshot().Where(m => m.Name == instrument && (string?)m.Tags.GetValueOrDefault(tag) == value).Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();
}
