using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Dns.Mdns.Forwarding;
using PluginMesh.Plugins.Dns.Mdns.Server;
using PluginMesh.Plugins.Dns.Mdns.Zone;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>The plugin's server, wired as <c>DnsMdnsPlugin.ConfigureServices</c> wires it, listening on 127.0.0.1 with a free port.</summary>
public sealed class TestDnsServer : IAsyncDisposable
{
    private readonly Meter _meter = new("PluginMesh.dns.mdns.test");
    private readonly DnsHostedService _service;

    private TestDnsServer(DnsOptions options, FixedCatalog catalog, TimeProvider time)
    {
        Options = options;
        Catalog = catalog;
        Metrics = new DnsMetrics(_meter);
        Handler = new DnsQueryHandler(ZoneBuilder.Build(CatalogSnapshot.Empty, options.ClusterDomain, options.Ttl),
            new UpstreamForwarder(options, Metrics, time, NullLogger.Instance), ForwardAdmission.For(options, Metrics, time), Metrics, time);
        Responder = new ClusterDnsResponder(Handler, options.Listen.Cast<EndPoint>().ToList());
        _service = new DnsHostedService(options, Handler, Responder, catalog, time, NullLogger.Instance);
    }

    public DnsOptions Options { get; }
    public FixedCatalog Catalog { get; }
    internal DnsMetrics Metrics { get; }
    internal DnsQueryHandler Handler { get; }
    internal ClusterDnsResponder Responder { get; }
    public IPEndPoint EndPoint => (IPEndPoint)Responder.ListenEndpoints[0];
    internal DnsStatus Status => (DnsStatus)new DnsStatusContributor(Responder, Handler, Metrics).GetStatus();

    /// <summary>Starts a server; <paramref name="settings"/> are extra config keys (e.g. <c>upstreams:0</c>).</summary>
    public static async Task<TestDnsServer> StartAsync(IEnumerable<(string Key, string? Value)>? settings = null, CatalogSnapshot? catalog = null, TimeProvider? time = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["listen:0"] = "127.0.0.1:0",
            ["createInterface"] = "false",
            ["resolvConf"] = "/nonexistent/resolv.conf",
        };
        foreach (var (key, value) in settings ?? []) values[key] = value;
        var problems = new List<string>();
        var options = DnsOptions.Read(new DictionaryConfiguration(values), isRoot: false, (k, m) => problems.Add($"{k}: {m}"));
        Assert.Empty(problems);
        var server = new TestDnsServer(options, new FixedCatalog(catalog ?? SampleCatalog.Build()), time ?? TimeProvider.System);
        await server._service.StartAsync(CancellationToken.None);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _service.StopAsync(CancellationToken.None);
        _meter.Dispose();
    }
}
