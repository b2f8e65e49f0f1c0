using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Proxy.Iptables.Netns;
using PluginMesh.Plugins.Proxy.Iptables.Rules;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>One running proxy (as the host would run it) over a <see cref="FakeCatalog"/>.</summary>
public sealed class ProxyHarness : IAsyncDisposable
{
    private readonly Meter _meter = new("test.proxy." + Guid.NewGuid().ToString("N"));
    private bool _stopped;

    private ProxyHarness(ProxyOptions options, ProxyMode mode, FakeCatalog catalog, string node, IMeshTunnel? tunnel, IFailoverPolicy? failover, int? adminPort, INodeDirectory? directory, IPeerNetwork? network,
        IEndpointPolicy? endpointPolicy)
    {
        Catalog = catalog;
        Metrics = new ProxyMetrics(_meter);
        if (mode == ProxyMode.Iptables)
            Interceptor = new IptablesInterceptor(options, new CommandRunner(options.Netns), Metrics, TimeProvider.System, NullLogger<IptablesInterceptor>.Instance);
        Proxy = new ProxyHostedService(options, new ModeChoice(mode, "configured"), node, catalog, tunnel, failover, endpointPolicy, Interceptor, Metrics, TimeProvider.System,
            NullLogger<ProxyHostedService>.Instance, directory: directory, adminPort: adminPort, network: network);
    }

    public FakeCatalog Catalog { get; }

    /// <summary>This harness's meter, so metric assertions ignore proxies of tests running in parallel.</summary>
    public string MeterName => _meter.Name;

    public ProxyMetrics Metrics { get; }

    public IptablesInterceptor? Interceptor { get; }

    public ProxyHostedService Proxy { get; }

    public static async Task<ProxyHarness> StartAsync(ProxyOptions options, ProxyMode mode, FakeCatalog catalog, string node = "node-a",
        IMeshTunnel? tunnel = null, IFailoverPolicy? failover = null, int? adminPort = null, INodeDirectory? directory = null, IPeerNetwork? network = null,
        IEndpointPolicy? endpointPolicy = null)
    {
        var h = new ProxyHarness(options, mode, catalog, node, tunnel, failover, adminPort, directory, network, endpointPolicy);
        try
        {
            await h.Proxy.StartAsync(CancellationToken.None);
        }
        catch
        {
            // As the host does: stop after a failed start must be safe.
            await h.DisposeAsync();
            throw;
        }
        return h;
    }

    public int ListenPort(string service, int port, TransportProtocol protocol = TransportProtocol.Tcp) =>
        Proxy.ListenPortOf(CatalogBuilder.Key(service), port, protocol) ?? throw new InvalidOperationException($"no listener for {service}:{port}");

    /// <summary>Publishes and waits until the proxy has applied that catalog version.</summary>
    public async Task PublishAsync(CatalogBuilder builder)
    {
        Catalog.Publish(builder);
        var version = Catalog.Current.Version;
        await Eventually.TrueAsync(() => Proxy.AppliedVersion >= version, $"catalog version {version} applied");
    }

    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await Proxy.StopAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Proxy.DisposeAsync();
        _meter.Dispose();
    }

    /// <summary>Connects, sends <paramref name="payload"/>, half-closes, reads everything until the server's FIN.</summary>
    /// <summary>Connects to <paramref name="target"/> and expects a reset (no endpoint takes it), not a hang.</summary>
    public static async Task AssertResetAsync(IPEndPoint target, ISocketFactory? sockets = null)
    {
        using var s = (sockets ?? HostSocketFactory.Instance).Create(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        // The reset can win the race with the connect completion, so either call may see it.
        var ex = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            await s.ConnectAsync(target, timeout.Token);
            await s.ReceiveAsync(new byte[16], SocketFlags.None, timeout.Token);
        });
        Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
    }

    public static async Task<string> EchoAsync(IPEndPoint target, string payload, ISocketFactory? sockets = null)
    {
        using var s = (sockets ?? HostSocketFactory.Instance).Create(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await s.ConnectAsync(target, timeout.Token);
        await s.SendAsync(System.Text.Encoding.UTF8.GetBytes(payload), SocketFlags.None, timeout.Token);
        s.Shutdown(SocketShutdown.Send);
        var ms = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            var n = await s.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (n == 0) break;
            ms.Write(buffer, 0, n);
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }
}
