using System.Diagnostics.Metrics;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Plugins.Gateway.Istio.Runtime;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support;

/// <summary>
/// A running gateway (its real hosted service) listening on loopback, forwarding through a
/// <see cref="LocalConnector"/>; configurations are applied directly (not built from the catalog).
/// </summary>
internal sealed class GatewayHarness : IAsyncDisposable
{
    private readonly Meter _meter = new("gateway.istio.test." + Guid.NewGuid().ToString("N"));

    private GatewayHarness(GatewayOptions options, LocalConnector connector)
    {
        Connector = connector;
        Metrics = new GatewayMetrics(_meter);
        Service = new GatewayService(options, null, connector, Metrics, NullLoggerFactory.Instance);
    }

    public LocalConnector Connector { get; }

    public GatewayMetrics Metrics { get; }

    public GatewayService Service { get; }

    public static readonly ServiceKey Reviews = new("shop", "reviews");

    public static readonly ServiceKey Ratings = new("shop", "ratings");

    /// <summary>Starts a gateway bound to loopback; <paramref name="accessLog"/> is a file path or null.</summary>
    public static async Task<GatewayHarness> StartAsync(string? accessLog = null, int drainSeconds = 30, long maxRequestBodyBytes = 10 << 20)
    {
        var problems = new List<string>();
        var options = GatewayOptions.Read(DictionaryConfiguration.Of(("includeInterfaces", "lo"), ("accessLog", accessLog ?? "off"),
            ("drainTimeoutSeconds", drainSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("maxRequestBodyBytes", maxRequestBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture))), "/tmp", (k, m) => problems.Add($"{k}: {m}"));
        Assert.Empty(problems);
        var harness = new GatewayHarness(options, new LocalConnector());
        await harness.Service.StartAsync(CancellationToken.None);
        return harness;
    }

    public Task ApplyAsync(params GatewayListener[] listeners) => ApplyAsync(1, [], listeners);

    public Task ApplyAsync(long version, IReadOnlyList<string> warnings, params GatewayListener[] listeners) =>
        Service.ApplyAsync(new GatewayConfig(version, listeners.ToDictionary(l => l.Port), warnings), CancellationToken.None);

    /// <summary>A port free on loopback now.</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>An HttpClient whose every connection goes to 127.0.0.1:<paramref name="port"/> whatever the URL's host (which is then the Host and the SNI).</summary>
    public static HttpClient Client(int port, X509Certificate2? trust = null, X509Certificate2? clientCertificate = null, Action<string?>? serverCertificate = null)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    serverCertificate?.Invoke(certificate?.Subject);
                    if (trust is null || certificate is null) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    chain.ChainPolicy.CustomTrustStore.Add(trust);
                    using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return chain.Build(leaf);
                },
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
    }

    // Model records, briefly.

    public static RouteDestination To(ServiceKey service, int port = 80, int weight = 100) => new(service, port, weight);

    public static HttpMatch Prefix(string prefix) => new(new StringMatch(MatchKind.Prefix, prefix), null, null, new Dictionary<string, StringMatch>(), new Dictionary<string, StringMatch>());

    public static HttpRoute Route(string name, string[] hosts, HttpMatch[] matches, RouteDestination[] destinations,
        HttpRewrite? rewrite = null, TimeSpan? timeout = null, HttpRetry? retries = null, HttpDirectResponse? direct = null) =>
        new(name, "shop/vs", hosts, matches, destinations, rewrite, timeout, retries, direct);

    public static GatewayServer Server(int port, ServerProtocol protocol, string[] hosts, GatewayTls? tls = null) =>
        new("istio-system/gw", "port-" + port, port, protocol, hosts, tls);

    public static GatewayListener Http(int port, params HttpRoute[] routes) =>
        new(port, ServerProtocol.Http, [Server(port, ServerProtocol.Http, ["*"])], routes, []);

    public static GatewayListener Https(int port, GatewayServer[] servers, params HttpRoute[] routes) =>
        new(port, ServerProtocol.Https, servers, routes, []);

    public async ValueTask DisposeAsync()
    {
        await Service.StopAsync(CancellationToken.None);
        _meter.Dispose();
    }
}
