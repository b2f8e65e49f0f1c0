using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Interception;
using PluginMesh.Plugins.Gateway.Istio;
using PluginMesh.Plugins.Gateway.Istio.Model;
using PluginMesh.Plugins.Gateway.Istio.Runtime;

namespace PluginMesh.Bench;

/// <summary>
/// The ingress gateway's HTTP forwarding under keep-alive load (bench/gateway.sh):
/// <c>gateway-serve PORT BACKEND_PORT</c> runs gateway.istio's runtime (Kestrel, YARP, retries,
/// access log off) with one route to a service whose only endpoint is 127.0.0.1:BACKEND_PORT, until
/// stdin closes; <c>http-load URL CONNECTIONS SECONDS</c> is the load generator: CONNECTIONS
/// keep-alive connections, each sending GETs back to back, then requests/s, p50 and p99.
/// </summary>
public static class GatewayBench
{
    public static async Task<int> RunAsync(string[] args) => args switch
    {
        ["gateway-serve", var port, var backend] => await ServeAsync(int.Parse(port, CultureInfo.InvariantCulture), int.Parse(backend, CultureInfo.InvariantCulture)),
        ["yarp-serve", var port, var backend] => await ServeBareYarpAsync(int.Parse(port, CultureInfo.InvariantCulture), int.Parse(backend, CultureInfo.InvariantCulture)),
        ["http-load", var url, var connections, var seconds] => await LoadAsync(new Uri(url), int.Parse(connections, CultureInfo.InvariantCulture), double.Parse(seconds, CultureInfo.InvariantCulture)),
        _ => Usage(),
    };

    private static int Usage()
    {
        Console.Error.WriteLine("usage: gateway-serve PORT BACKEND_PORT | yarp-serve PORT BACKEND_PORT | http-load URL CONNECTIONS SECONDS");
        return 2;
    }

    private static async Task<int> ServeAsync(int port, int backend)
    {
        var problems = new List<string>();
        var options = GatewayOptions.Read(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["includeInterfaces"] = "lo",
            ["accessLog"] = "off",
        }).Build(), "/tmp", (k, m) => problems.Add($"{k}: {m}"));
        if (problems.Count > 0) throw new InvalidOperationException(string.Join("; ", problems));
        using var meter = new Meter("gateway.bench");
        var service = new ServiceKey("bench", "backend");
        var gateway = new GatewayService(options, null, new OneEndpoint(new IPEndPoint(IPAddress.Loopback, backend)), new GatewayMetrics(meter), NullLoggerFactory.Instance);
        await gateway.StartAsync(CancellationToken.None);
        var route = new HttpRoute("backend", "bench/vs", ["*"], [], [new RouteDestination(service, 80, 100)], null, TimeSpan.FromSeconds(30), null);
        var listener = new GatewayListener(port, ServerProtocol.Http, [new GatewayServer("bench/gw", "http", port, ServerProtocol.Http, ["*"], null)], [route], []);
        await gateway.ApplyAsync(new GatewayConfig(1, new Dictionary<int, GatewayListener> { [port] = listener }, []), CancellationToken.None);
        Console.WriteLine($"gateway-serve: 127.0.0.1:{port} -> 127.0.0.1:{backend}");
        await Console.In.ReadToEndAsync();
        await gateway.StopAsync(CancellationToken.None);
        return 0;
    }

    /// <summary>
    /// The library's floor, no gateway code at all: YARP's direct forwarding as its documentation shows
    /// it (Kestrel with the same transport options as the gateway, one <c>IHttpForwarder.SendAsync</c> per
    /// request to a fixed prefix over a plain <c>SocketsHttpHandler</c>, the empty transformer), until
    /// stdin closes. What the gateway costs beyond this is route matching, weights, retries and metrics.
    /// </summary>
    private static async Task<int> ServeBareYarpAsync(int port, int backend)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddHttpForwarder();
        var app = builder.Build();
        var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
            ConnectTimeout = TimeSpan.FromSeconds(15),
        });
        var prefix = $"http://127.0.0.1:{backend}/";
        app.Run(async context => await forwarder.SendAsync(context, prefix, invoker, ForwarderRequestConfig.Empty, HttpTransformer.Empty));
        await app.StartAsync();
        Console.WriteLine($"yarp-serve: 127.0.0.1:{port} -> 127.0.0.1:{backend}");
        // The web host's console lifetime takes SIGTERM: end on it as on stdin closing.
        var stopping = new TaskCompletionSource();
        using var onStop = app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        await Task.WhenAny(Console.In.ReadToEndAsync(), stopping.Task);
        await app.StopAsync();
        return 0;
    }

    private static async Task<int> LoadAsync(Uri url, int connections, double seconds)
    {
        // Latencies in microseconds, one list per connection (no sharing on the hot path).
        var latencies = new List<long>[connections];
        var errors = 0L;
        using var stop = new CancellationTokenSource();
        var workers = new Task[connections];
        // One warm-up request per connection, outside the measurement.
        var clients = Enumerable.Range(0, connections).Select(_ => new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1 })).ToArray();
        foreach (var response in await Task.WhenAll(clients.Select(c => c.GetAsync(url)))) response.Dispose();
        var started = Stopwatch.GetTimestamp();
        stop.CancelAfter(TimeSpan.FromSeconds(seconds));
        for (var i = 0; i < connections; i++)
        {
            var own = latencies[i] = new List<long>(100_000);
            var client = clients[i];
            workers[i] = Task.Run(async () =>
            {
                var buffer = new byte[4096];
                while (!stop.IsCancellationRequested)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    try
                    {
                        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
                        await using var body = await response.Content.ReadAsStreamAsync();
                        while (await body.ReadAsync(buffer) > 0)
                        {
                        }
                        if (!response.IsSuccessStatusCode) Interlocked.Increment(ref errors);
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref errors);
                    }
                    own.Add((long)Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                }
            });
        }
        await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        foreach (var c in clients) c.Dispose();
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(p * all.Length))] / 1000.0;
        Console.WriteLine(FormattableString.Invariant($"requests={all.Length}\terrors={errors}\trps={all.Length / elapsed:F0}\tp50_ms={Percentile(0.50):F3}\tp99_ms={Percentile(0.99):F3}"));
        return 0;
    }

    /// <summary>The proxy's connector stands in as a plain connect to one endpoint (what a local endpoint costs it).</summary>
    private sealed class OneEndpoint(IPEndPoint endpoint) : IServiceConnector
    {
        public async ValueTask<ServiceConnectResult> ConnectAsync(ServiceKey service, int port, IPAddress? client, CancellationToken cancellationToken)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(endpoint, cancellationToken);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                return ServiceConnectResult.Failed(ServiceConnectFailure.Unreachable, e.Message);
            }
            return new ServiceConnectResult(new Connection(socket, endpoint), ServiceConnectFailure.None, "");
        }

        private sealed class Connection(Socket socket, IPEndPoint endpoint) : IServiceConnection
        {
            public Stream Stream { get; } = new NetworkStream(socket, ownsSocket: true);

            public IPEndPoint Endpoint => endpoint;

            public string? NodeName => null;

            public string Path => "local";

            public ValueTask CloseWriteAsync(CancellationToken cancellationToken = default)
            {
                socket.Shutdown(SocketShutdown.Send);
                return ValueTask.CompletedTask;
            }

            public void Abort() => socket.Dispose();

            public ValueTask DisposeAsync() => Stream.DisposeAsync();
        }
    }
}
