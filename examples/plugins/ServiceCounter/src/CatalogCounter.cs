using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Status;

namespace ServiceCounter;

/// <summary>
/// Counts the services in the catalog (in one namespace when configured): the <c>servicecounter</c>
/// section of <c>/status</c>, the <c>servicecounter.services</c> gauge, and a log line whenever the
/// count changes. Follows catalog changes between start and stop.
/// </summary>
/// <remarks>
/// Thread-safe: the catalog raises <see cref="IServiceCatalog.Changed"/> on the thread that applied a
/// change, and status and metrics are read on other threads. Every count is taken from one immutable
/// snapshot, so there is no shared state to keep in step beyond two counters.
/// </remarks>
public sealed partial class CatalogCounter : IStatusContributor, IHostedService
{
    private readonly IServiceCatalog _catalog;
    private readonly ServiceCounterOptions _options;
    private readonly ILogger<CatalogCounter> _logger;
    private readonly Counter<long> _changes;
    private long _changesSeen;
    private int _lastCount = -1;

    public CatalogCounter(IServiceCatalog catalog, ServiceCounterOptions options, Meter meter, ILogger<CatalogCounter> logger)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _catalog = catalog;
        _options = options;
        _logger = logger;
        // Observed when metrics are collected, from the snapshot of that moment.
        meter.CreateObservableGauge("servicecounter.services", () => Count(_catalog.Current).Services,
            unit: "{service}", description: "Services in the catalog (in the configured namespace, if any)");
        _changes = meter.CreateCounter<long>("servicecounter.catalog.changes", unit: "{change}",
            description: "Catalog snapshots published while the plugin ran");
    }

    public string Section => "servicecounter";

    public object GetStatus()
    {
        var snapshot = _catalog.Current;
        var counts = Count(snapshot);
        return new
        {
            @namespace = _options.Namespace,
            services = counts.Services,
            endpoints = counts.Endpoints,
            readyEndpoints = counts.ReadyEndpoints,
            byNamespace = counts.ByNamespace,
            catalogVersion = snapshot.Version,
            changesSeen = Interlocked.Read(ref _changesSeen),
        };
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _catalog.Changed += OnChanged;
        Report(Count(_catalog.Current).Services);
        return Task.CompletedTask;
    }

    // Safe after a partial start: removing a handler that was never added does nothing.
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _catalog.Changed -= OnChanged;
        return Task.CompletedTask;
    }

    // Quick and never throws, as the catalog asks of its handlers.
    private void OnChanged(CatalogSnapshot snapshot)
    {
        Interlocked.Increment(ref _changesSeen);
        _changes.Add(1);
        Report(Count(snapshot).Services);
    }

    private void Report(int services)
    {
        if (Interlocked.Exchange(ref _lastCount, services) != services) LogCount(services, _options.Namespace ?? "every namespace");
    }

    private Counts Count(CatalogSnapshot snapshot)
    {
        var byNamespace = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int endpoints = 0, ready = 0;
        foreach (var key in snapshot.Services.Keys)
        {
            if (_options.Namespace is { } ns && key.Namespace != ns) continue;
            byNamespace[key.Namespace] = byNamespace.GetValueOrDefault(key.Namespace) + 1;
            if (!snapshot.Endpoints.TryGetValue(key, out var eps)) continue;
            endpoints += eps.Endpoints.Count;
            ready += eps.Endpoints.Count(e => e.Ready);
        }
        return new Counts(byNamespace.Values.Sum(), endpoints, ready, byNamespace);
    }

    private sealed record Counts(int Services, int Endpoints, int ReadyEndpoints, SortedDictionary<string, int> ByNamespace);

    [LoggerMessage(Level = LogLevel.Information, Message = "[stats.servicecounter] {Services} service(s) in {Scope}")]
    private partial void LogCount(int services, string scope);
}
