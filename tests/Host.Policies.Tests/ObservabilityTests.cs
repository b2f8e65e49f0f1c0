using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Policies;

namespace PluginMesh.Host.Policies.Tests;

/// <summary>Metrics, rate-limited logs, status and registration.</summary>
public sealed class ObservabilityTests : IDisposable
{
    private static readonly FailureInput Failure = new("dial", "node-b", "refused", 1, 12, 0);

    private readonly TempPolicyDir _dir = new();

    [Fact]
    public void Calls_FailingScript_CountersAndHistogramRecorded()
    {
        _dir.Write("failover.js", "function onFailure(input) { throw new TypeError('nope'); }");
        using var engine = _dir.CreateEngine();
        engine.Reload();
        var measurements = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, engine.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i.Name, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i.Name, v, tags));
        listener.Start();

        engine.OnFailure(Failure);
        engine.OnFailure(Failure);
        engine.ShouldResync(new ResyncInput("k", "startup", -1, 0, 0, 0));

        Assert.Equal("PluginMesh.Policies", engine.Meter.Name);
        lock (measurements)
        {
            Assert.Equal(3, measurements.Count(m => m.Instrument == "pluginmesh.policy.calls"));
            Assert.Equal(3, measurements.Count(m => m.Instrument == "pluginmesh.policy.duration"));
            var errors = measurements.Where(m => m.Instrument == "pluginmesh.policy.errors").ToList();
            Assert.Equal(2, errors.Count);
            Assert.All(errors, e => Assert.Equal("onFailure", e.Tags["function"]));
            Assert.All(errors, e => Assert.Equal("exception", e.Tags["reason"]));
            Assert.Equal(2, measurements.Count(m => m.Instrument == "pluginmesh.policy.fallbacks" && (string?)m.Tags["reason"] == "exception"));
        }

        void Record(string name, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            lock (measurements)
            {
                measurements.Add((name, value, copy));
            }
        }
    }

    [Fact]
    public void Calls_NewHooks_SameInstruments_FunctionAttributeNamesThem()
    {
        // relay-election.js answers invalidly (fallback), retire.js is absent (the default answers, no fallback).
        _dir.Write("relay-election.js", "function electRelay(input) { return { offer: 'yes' }; }");
        using var engine = _dir.CreateEngine();
        engine.Reload();
        var measurements = new List<(string Instrument, string? Function, string? Reason)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, engine.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, _, tags, _) => Record(i.Name, tags));
        listener.SetMeasurementEventCallback<double>((i, _, tags, _) => Record(i.Name, tags));
        listener.Start();

        engine.ElectRelay(new RelayElectionInput(null, 1, [Inputs.Member("s", self: true)]));
        engine.ShouldRetire(Inputs.Silent(10));

        lock (measurements)
        {
            Assert.Equal(
                [
                    ("pluginmesh.policy.calls", "electRelay", null),
                    ("pluginmesh.policy.calls", "shouldRetire", null),
                    ("pluginmesh.policy.duration", "electRelay", null),
                    ("pluginmesh.policy.duration", "shouldRetire", null),
                    ("pluginmesh.policy.errors", "electRelay", "invalid-result"),
                    ("pluginmesh.policy.fallbacks", "electRelay", "invalid-result"),
                ],
                measurements.Order());
        }

        void Record(string name, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? function = null, reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "function") function = (string?)tag.Value;
                if (tag.Key == "reason") reason = (string?)tag.Value;
            }

            lock (measurements)
            {
                measurements.Add((name, function, reason));
            }
        }
    }

    [Fact]
    public void Calls_RepeatedFailures_LoggedOncePerVersionAndCounted()
    {
        _dir.Write("failover.js", "function onFailure(input) {\n  return input.missing.deeper;\n}");
        var logger = new ListLogger<PolicyEngine>();
        using var engine = _dir.CreateEngine(logger: logger);
        engine.Reload();

        for (var i = 0; i < 50; i++)
        {
            engine.OnFailure(Failure);
        }

        var failures = logger.Entries.Where(e => e.Id.Id == 4).ToList();
        var logged = Assert.Single(failures);
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Contains("failover.js:2:", logged.Message, StringComparison.Ordinal);

        var status = engine.Status.Single(s => s.Name == "failover");
        Assert.Equal(50, status.Errors);
        Assert.Equal(50, status.Fallbacks);
        Assert.Equal(50, status.Calls);
        Assert.Contains("failover.js:2:", status.LastError, StringComparison.Ordinal);

        // A new version gets its own first log line; the old one's suppressed count is reported.
        _dir.Write("failover.js", "function onFailure(input) { throw new Error('v2'); }");
        engine.Reload();
        engine.OnFailure(Failure);
        Assert.Equal(2, logger.Entries.Count(e => e.Id.Id == 4));
        Assert.Contains(logger.Entries, e => e.Id.Id == 5 && e.Message.Contains("49 more", StringComparison.Ordinal));
    }

    [Fact]
    public void Status_LoadedScript_ShowsVersionHashAndTimes()
    {
        const string Source = "function onFailure(input) { return { action: 'giveup', delayMs: 0 }; }";
        var file = _dir.Write("failover.js", Source);
        using var engine = _dir.CreateEngine();
        var before = DateTimeOffset.UtcNow;
        engine.Reload();

        var status = engine.Status.Single(s => s.Name == "failover");
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));
        Assert.Equal(hash[..12], status.ActiveVersion);
        Assert.Equal(file, status.File);
        Assert.Equal("onFailure", status.Function);
        Assert.Equal("script", status.Using);
        Assert.True(status.LoadedAt >= before);
        Assert.Equal(1, status.Reloads);
        Assert.Equal("default", engine.Status.Single(s => s.Name == "resync").Using);
    }

    [Fact]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var ex = Assert.Throws<ArgumentException>(() => new PolicyEngine(
            new PolicyEngineOptions { Directory = "", TimeLimit = TimeSpan.Zero, RecursionLimit = 0 },
            new ListLogger<PolicyEngine>(),
            TimeProvider.System));

        Assert.Contains("Directory", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TimeLimit", ex.Message, StringComparison.Ordinal);
        Assert.Contains("RecursionLimit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddPluginMeshPolicies_Registers_EngineInterfacesAndHostedService()
    {
        var services = new ServiceCollection();
        services.AddPluginMeshPolicies(new PolicyEngineOptions { Directory = _dir.Path });

        Assert.Contains(services, d => d.ServiceType == typeof(PolicyEngine) && d.Lifetime == ServiceLifetime.Singleton);
        foreach (var contract in new[] { typeof(IRelaySelectionPolicy), typeof(IFailoverPolicy), typeof(IResyncPolicy), typeof(IEndpointPolicy), typeof(IRelayElectionPolicy), typeof(INodeRetirePolicy) })
        {
            Assert.Contains(services, d => d.ServiceType == contract && d.Lifetime == ServiceLifetime.Singleton);
        }

        Assert.Contains(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(PolicyEngineHostedService));
        Assert.Contains(services, d => d.ServiceType == typeof(TimeProvider));
    }

    [Fact]
    public async Task HostedService_StartAsync_LoadsScripts()
    {
        _dir.Write("failover.js", "function onFailure(input) { return { action: 'giveup', delayMs: 5 }; }");
        using var engine = _dir.CreateEngine();
        var hosted = new PolicyEngineHostedService(engine);

        await hosted.StartAsync(CancellationToken.None);

        Assert.Equal(new FailoverDecision(FailoverAction.GiveUp, 5), engine.OnFailure(Failure));

        await hosted.StopAsync(CancellationToken.None);

        // Stopping the host stops the watching, not the answering: shutdown paths still use the script.
        Assert.Equal(new FailoverDecision(FailoverAction.GiveUp, 5), engine.OnFailure(Failure));
        _dir.Write("failover.js", "function onFailure(input) { return { action: 'giveup', delayMs: 6 }; }");
        engine.Reload();
        Assert.Equal(6, engine.OnFailure(Failure).DelayMs);
    }

    public void Dispose() => _dir.Dispose();
}
