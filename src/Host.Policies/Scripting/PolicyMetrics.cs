using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary>The <c>PluginMesh.Policies</c> meter: calls, errors, fallbacks and call duration per function.</summary>
internal sealed class PolicyMetrics : IDisposable
{
    public const string MeterName = "PluginMesh.Policies";

    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _fallbacks;
    private readonly Histogram<double> _duration;

    public PolicyMetrics()
    {
        _meter = new Meter(MeterName);
        _calls = _meter.CreateCounter<long>("pluginmesh.policy.calls", unit: "{call}", description: "Policy calls answered, by script or default.");
        _errors = _meter.CreateCounter<long>("pluginmesh.policy.errors", unit: "{error}", description: "Script problems: rejected loads and failed calls.");
        _fallbacks = _meter.CreateCounter<long>("pluginmesh.policy.fallbacks", unit: "{call}", description: "Calls the built-in default answered because the script failed.");
        _duration = _meter.CreateHistogram<double>("pluginmesh.policy.duration", unit: "ms", description: "Time to answer one policy call.");
    }

    public Meter Meter => _meter;

    public void Call(string function, double durationMs)
    {
        var tag = new KeyValuePair<string, object?>("function", function);
        _calls.Add(1, tag);
        _duration.Record(durationMs, tag);
    }

    public void Error(string function, string reason) => _errors.Add(1, Tags(function, reason));

    public void Fallback(string function, string reason) => _fallbacks.Add(1, Tags(function, reason));

    public void Dispose() => _meter.Dispose();

    private static TagList Tags(string function, string reason) => new()
    {
        { "function", function },
        { "reason", reason },
    };
}
