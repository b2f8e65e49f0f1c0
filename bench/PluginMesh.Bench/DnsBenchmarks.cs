using System.Diagnostics.Metrics;
using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Dns.Mdns;
using PluginMesh.Plugins.Dns.Mdns.Forwarding;
using PluginMesh.Plugins.Dns.Mdns.Server;
using PluginMesh.Plugins.Dns.Mdns.Wire;
using PluginMesh.Plugins.Dns.Mdns.Zone;

namespace PluginMesh.Bench;

/// <summary>
/// The dns.mdns hot path without sockets: parse a query and write the response, against a
/// 1 000-service catalog (the size issue 5 benchmarks against dnsmasq). <c>Parse</c> is the
/// baseline; the others add the index probe and the response copy. Allocations must stay at zero.
/// Also the cost of rebuilding the index when the catalog changes.
/// Run: dotnet run -c Release --project bench/PluginMesh.Bench -- --filter '*Dns*'
/// </summary>
[MemoryDiagnoser]
public class DnsBenchmarks
{
    private const int Services = 1000;
    private readonly byte[] _response = new byte[DnsQueryHandler.ResponseBufferSize];
    private Meter _meter = null!;
    private DnsQueryHandler _handler = null!;
    private CatalogSnapshot _snapshot = null!;
    private byte[] _a = null!;
    private byte[] _aMixedCase = null!;
    private byte[] _srv = null!;
    private byte[] _nxdomain = null!;
    private byte[] _ptrEdns = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new Dictionary<ServiceKey, MeshService>();
        for (var i = 0; i < Services; i++)
        {
            var key = new ServiceKey($"ns{i % 20}", $"svc{i}");
            services[key] = new MeshService(key, [IPAddress.Parse($"10.96.{i / 250}.{i % 250 + 1}")],
                [new ServicePort("http", 80, TransportProtocol.Tcp, 8080)]);
        }
        _snapshot = new CatalogSnapshot(1, services, new Dictionary<ServiceKey, ServiceEndpoints>(), new Dictionary<string, MeshNode>());

        _meter = new Meter("PluginMesh.dns.mdns.bench");
        var options = DnsOptions.Read(new EmptyConfiguration(), isRoot: false, (_, _) => { });
        var metrics = new DnsMetrics(_meter);
        _handler = new DnsQueryHandler(ZoneBuilder.Build(_snapshot, "cluster.local", 5),
            new UpstreamForwarder(options, metrics, TimeProvider.System, NullLogger.Instance), ForwardAdmission.For(options, metrics, TimeProvider.System), metrics, TimeProvider.System);

        _a = Query("svc500.ns0.svc.cluster.local", DnsType.A, edns: false);
        _aMixedCase = Query("SVC500.Ns0.svc.Cluster.Local", DnsType.A, edns: false);
        _srv = Query("_http._tcp.svc500.ns0.svc.cluster.local", DnsType.Srv, edns: true);
        _nxdomain = Query("nothere.ns0.svc.cluster.local", DnsType.A, edns: true);
        _ptrEdns = Query("1.0.96.10.in-addr.arpa", DnsType.Ptr, edns: true);
    }

    [GlobalCleanup]
    public void Cleanup() => _meter.Dispose();

    [Benchmark(Baseline = true)]
    public int Parse() => DnsQueryParser.Parse(_a, out var query) == ParseStatus.Ok ? query.NameLength : -1;

    [Benchmark]
    public int AnswerA() => Answer(_a);

    [Benchmark]
    public int AnswerAMixedCase() => Answer(_aMixedCase);

    [Benchmark]
    public int AnswerSrvWithEdns() => Answer(_srv);

    [Benchmark]
    public int AnswerNxDomainWithSoa() => Answer(_nxdomain);

    [Benchmark]
    public int AnswerPtr() => Answer(_ptrEdns);

    /// <summary>Work done on every catalog change (not per query).</summary>
    [Benchmark]
    public int RebuildIndex1000Services() => ZoneBuilder.Build(_snapshot, "cluster.local", 5).NameCount;

    private int Answer(byte[] request)
    {
        _handler.Handle(request, _response, udp: true, 0, null, out var length, out _);
        return length;
    }

    private static byte[] Query(string name, ushort type, bool edns)
    {
        var wire = DnsNames.ToWire(name)!;
        var buffer = new byte[12 + wire.Length + 4 + (edns ? DnsLimits.OptRecordLength : 0)];
        var writer = new DnsWriter(buffer);
        writer.WriteHeader(0x4242, 0x0100, 1, 0, 0, (ushort)(edns ? 1 : 0));
        writer.WriteBytes(wire);
        writer.WriteUInt16(type);
        writer.WriteUInt16(DnsType.ClassIn);
        if (edns) writer.WriteOpt(1232, 0);
        // ToWire lowercases; put the caller's case back for the mixed-case query.
        System.Text.Encoding.ASCII.GetBytes(ToWireText(name)).CopyTo(buffer, 12);
        return buffer;
    }

    private static string ToWireText(string name) =>
        string.Concat(name.Split('.').Select(l => (char)l.Length + l)) + "\0";

    /// <summary>An empty configuration section: the plugin's defaults.</summary>
    private sealed class EmptyConfiguration : Microsoft.Extensions.Configuration.IConfiguration
    {
        public string? this[string key] { get => null; set => throw new NotSupportedException(); }

        public IEnumerable<Microsoft.Extensions.Configuration.IConfigurationSection> GetChildren() => [];

        public Microsoft.Extensions.Primitives.IChangeToken GetReloadToken() =>
            new Microsoft.Extensions.Primitives.CancellationChangeToken(CancellationToken.None);

        public Microsoft.Extensions.Configuration.IConfigurationSection GetSection(string key) => new EmptySection(key);
    }

    private sealed class EmptySection(string key) : Microsoft.Extensions.Configuration.IConfigurationSection
    {
        public string? this[string k] { get => null; set => throw new NotSupportedException(); }

        public string Key => key;

        public string Path => key;

        public string? Value { get => null; set => throw new NotSupportedException(); }

        public IEnumerable<Microsoft.Extensions.Configuration.IConfigurationSection> GetChildren() => [];

        public Microsoft.Extensions.Primitives.IChangeToken GetReloadToken() =>
            new Microsoft.Extensions.Primitives.CancellationChangeToken(CancellationToken.None);

        public Microsoft.Extensions.Configuration.IConfigurationSection GetSection(string k) => new EmptySection(key + ":" + k);
    }
}
