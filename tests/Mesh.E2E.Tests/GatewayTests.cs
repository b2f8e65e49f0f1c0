using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Mesh.E2E.Tests.Support;
using Xunit.Abstractions;

namespace PluginMesh.Mesh.E2E.Tests;

/// <summary>
/// Issue 17, the ingress gateway end to end, with real agents in the topology of
/// <see cref="DataPlaneTests"/> (two NATed nodes meeting through a relay). node-a runs
/// <c>gateway.istio</c>; an Istio Gateway and VirtualService in the fake API route to web-a (its pod
/// on node-a) and web-b (its pod on node-b, reached through the relayed tunnel). The client is
/// node-a's router (<c>ra</c>): outside the node, on its LAN, as a user's browser would be. curl does
/// the HTTP, HTTPS and mutual-TLS requests; the weighted split and the rotation use .NET clients
/// whose sockets live in that namespace.
/// </summary>
[Trait("Category", "E2E")]
[Collection(E2ECollection.Name)]
public sealed class GatewayTests(ITestOutputHelper output)
{
    private const string Gw = "10.1.0.2";

    [Fact]
    public async Task IstioGatewayOnAnEdgeNode_HttpHttpsMutual_WeightsHeaders_TimeoutRetry_RotationWithoutRestart_MalformedSkipped()
    {
        using var lab = new NetnsLab("pmgw-");
        var root = Path.Combine(Path.GetTempPath(), "pmgw-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            var t = DataPlaneTests.Topology(lab);
            var client = t.RouterA;
            var pki = new Pki(root);
            var cluster = new FakeCluster();
            Seed(cluster, pki);
            var apiSockets = lab.SocketsIn(t.Api);
            await using var server = new FakeApiServer(cluster, IPAddress.Parse("203.0.113.200"), () => apiSockets.Tcp());
            server.Start(0);

            lab.Own(new HttpBackend(lab.SocketsIn(t.PodA), new IPEndPoint(IPAddress.Parse("10.244.1.2"), 8080), "web@pod-a"));
            var webB = lab.Own(new HttpBackend(lab.SocketsIn(t.PodB), new IPEndPoint(IPAddress.Parse("10.244.2.2"), 8080), "web@pod-b"));

            var (_, relayAddr) = await DataPlaneTests.StartRelayAsync(lab, t, root);
            var a = lab.Own(new AgentProcess(t.NodeA, "node-a", Path.Combine(root, "node-a"),
                DataPlaneTests.NodeYaml("10.1.0.2", "10.244.1.1", server.Port, relayAddr) + "\n" + """
                      gateway.istio:
                        accessLog: stdout
                    """));
            var b = lab.Own(new AgentProcess(t.NodeB, "node-b", Path.Combine(root, "node-b"), DataPlaneTests.NodeYaml("10.2.0.2", "10.244.2.1", server.Port, relayAddr)));
            var sw = Stopwatch.StartNew();
            a.Start();
            b.Start();
            await Task.WhenAll(new[] { a, b }.Select(n => n.WaitStatusAsync(s => DataPlaneTests.HasReservation(s) && DataPlaneTests.Synced(s), TimeSpan.FromSeconds(90), "a relay reservation and a synced catalog")));
            await a.WaitStatusAsync(s => Bound(s, 8080) && Bound(s, 8443) && Bound(s, 9443), TimeSpan.FromSeconds(30), "gateway ports 8080, 8443, 9443 bound");
            output.WriteLine($"gateway listening {sw.ElapsedMilliseconds} ms after start");

            // HTTP with curl from outside the node: the default route (web-a, local endpoint), the header route (web-b, across the relay).
            Assert.Equal("web@pod-a", await CurlAsync(client, "http://10.1.0.2:8080/"));
            Assert.Equal("web@pod-b", await CurlAsync(client, "http://10.1.0.2:8080/", "-H", "x-canary: yes"));
            // A path no route takes (the VirtualService's routes all need a host): 404 from the gateway.
            Assert.Equal("404", (await CurlAsync(client, "http://10.1.0.2:8080/", "-H", "Host: other.example.org", "-o", "/dev/null", "-w", "%{http_code}")).Trim());

            // The route's timeout: web-b answers /slow after 3 s, the route allows 500 ms — 504 from the gateway, without waiting for web-b.
            var slow = await CurlAsync(client, "http://10.1.0.2:8080/slow", "-w", "\n%{http_code} %{time_total}");
            output.WriteLine($"/slow (timeout 500ms): {slow}");
            var (slowBody, slowStatus) = (slow[..slow.LastIndexOf('\n')], slow[(slow.LastIndexOf('\n') + 1)..].Split(' '));
            Assert.Equal("504", slowStatus[0]);
            Assert.Contains("upstream request timeout", slowBody, StringComparison.Ordinal);
            Assert.True(double.Parse(slowStatus[1], System.Globalization.CultureInfo.InvariantCulture) < HttpBackend.SlowDelay.TotalSeconds, "the gateway waited for the slow pod: " + slow);

            // Retries: web-b answers /flaky… 503 every other time. With retries off the client gets the 503; with
            // `retries: {attempts: 2, retryOn: 5xx}` the gateway tries again (across the relay) and the client gets the 200.
            Assert.Equal("503", (await CurlAsync(client, "http://10.1.0.2:8080/flaky-once", "-o", "/dev/null", "-w", "%{http_code}")).Trim());
            Assert.Equal(1, webB.FlakyRequests);
            Assert.Equal("web@pod-b", await CurlAsync(client, "http://10.1.0.2:8080/flaky-once"));
            Assert.Equal(2, webB.FlakyRequests);
            Assert.Equal("web@pod-b", await CurlAsync(client, "http://10.1.0.2:8080/flaky"));
            Assert.Equal(4, webB.FlakyRequests);

            // HTTPS (SIMPLE) with the certificate from the Secret, checked against its CA; and through to node-b.
            var resolve = $"shop.example.com:8443:{Gw}";
            Assert.Equal("web@pod-a", await CurlAsync(client, "https://shop.example.com:8443/", "--resolve", resolve, "--cacert", pki.CaFile));
            Assert.Equal("web@pod-b", await CurlAsync(client, "https://shop.example.com:8443/", "--resolve", resolve, "--cacert", pki.CaFile, "-H", "x-canary: yes"));

            // Mutual TLS: with the client certificate it passes, without it the handshake fails.
            var resolveM = $"shop.example.com:9443:{Gw}";
            Assert.Equal("web@pod-a", await CurlAsync(client, "https://shop.example.com:9443/", "--resolve", resolveM, "--cacert", pki.CaFile, "--cert", pki.ClientCertFile, "--key", pki.ClientKeyFile));
            var refused = await Task.Run(() => Shell.Exec("ip", "netns", "exec", client, "curl", "-sS", "--max-time", "10", "--resolve", resolveM, "--cacert", pki.CaFile, "https://shop.example.com:9443/"));
            // (With TLS 1.3 the client may finish its handshake before the server refuses it: no answer either way.)
            Assert.True(refused.Code != 0 && !refused.Output.Contains("web@", StringComparison.Ordinal), "a client without a certificate got through: " + refused.Output);
            output.WriteLine($"mutual TLS without a client certificate: curl exit {refused.Code}: {refused.Error.Trim()}");

            // Weighted split 70/30 over 1 000 requests (keep-alive connections from the client namespace).
            using (var http = Client(lab.SocketsIn(client), null))
            {
                var counts = new Dictionary<string, int>();
                var next = -1;
                await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
                {
                    while (Interlocked.Increment(ref next) < 1000)
                    {
                        var body = await http.GetStringAsync(new Uri($"http://{Gw}:8080/split"));
                        lock (counts) counts[body] = counts.GetValueOrDefault(body) + 1;
                    }
                }));
                output.WriteLine($"1000 requests to /split (70/30): {string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}"))}");
                Assert.InRange(counts.GetValueOrDefault("web@pod-a"), 670, 730);
                Assert.InRange(counts.GetValueOrDefault("web@pod-b"), 270, 330);
            }

            // Certificate rotation: a new Secret is served from the next handshake on, without a restart,
            // and a connection opened before the rotation keeps working.
            var before = await ServedCertificateAsync(lab.SocketsIn(client), 8443);
            Assert.Equal(pki.Server.Thumbprint, before.Thumbprint);
            var connects = 0;
            using var kept = Client(lab.SocketsIn(client), pki.Ca, () => Interlocked.Increment(ref connects));
            Assert.Equal("web@pod-a", await kept.GetStringAsync(new Uri("https://shop.example.com:8443/")));
            var rotated = pki.Issue("shop.example.com", serverAuth: true);
            cluster.Put(FakeObjects.TlsSecret("demo", "shop-cert", rotated.ExportCertificatePem(), Pki.KeyPem(rotated)));
            sw.Restart();
            X509Certificate2 now;
            while ((now = await ServedCertificateAsync(lab.SocketsIn(client), 8443)).Thumbprint != rotated.Thumbprint)
            {
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), "the rotated certificate was not served within 30 s");
                await Task.Delay(100);
            }
            output.WriteLine($"rotated certificate served {sw.ElapsedMilliseconds} ms after the Secret changed");
            Assert.Equal("web@pod-a", await kept.GetStringAsync(new Uri("https://shop.example.com:8443/")));
            Assert.Equal(1, connects);
            Assert.True(a.Running, a.LogTail());

            // A malformed VirtualService is skipped with a warning naming it; the good routes keep working.
            cluster.Put(FakeObjects.CustomResource("networking.istio.io/v1", "VirtualService", "demo", "broken",
                new JsonObject { ["gateways"] = new JsonArray("edge-gw"), ["hosts"] = "not-a-list", ["http"] = 7 }));
            await a.WaitStatusAsync(s => Warnings(s).Any(w => w.Contains("demo/broken", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "a warning naming demo/broken");
            Assert.Equal("web@pod-b", await CurlAsync(client, "http://10.1.0.2:8080/", "-H", "x-canary: yes"));

            // The access log has a line per request.
            Assert.Contains(a.Log, l => l.Contains("/split", StringComparison.Ordinal));
            foreach (var n in new[] { a, b }) Assert.True(await n.StopAsync() == 0, n.LogTail());
        }
        finally
        {
            lab.Dispose();
            try
            {
                Directory.Delete(root, true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static void Seed(FakeCluster cluster, Pki pki)
    {
        cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-a", "10.244.1.0/24", "10.1.0.2"));
        cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-b", "10.244.2.0/24", "10.2.0.2"));
        cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web-a", "10.96.0.11"));
        cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-a-1", "web-a", [("10.244.1.2", "node-a", true)]));
        cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web-b", "10.96.0.12"));
        cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-b-1", "web-b", [("10.244.2.2", "node-b", true)]));
        cluster.InstallCustomResource("networking.istio.io", "Gateway", "gateways", "v1", "v1beta1");
        cluster.InstallCustomResource("networking.istio.io", "VirtualService", "virtualservices", "v1", "v1beta1");
        cluster.Put(FakeObjects.TlsSecret("demo", "shop-cert", pki.Server.ExportCertificatePem(), Pki.KeyPem(pki.Server)));
        cluster.Put(FakeObjects.TlsSecret("demo", "shop-mtls", pki.Server.ExportCertificatePem(), Pki.KeyPem(pki.Server), pki.Ca.ExportCertificatePem()));
        cluster.Put(FakeObjects.CustomResource("networking.istio.io/v1beta1", "Gateway", "demo", "edge-gw", Json("""
            {
              "selector": {"istio": "ingressgateway"},
              "servers": [
                {"port": {"number": 8080, "name": "http", "protocol": "HTTP"}, "hosts": ["*"]},
                {"port": {"number": 8443, "name": "https", "protocol": "HTTPS"}, "hosts": ["shop.example.com"],
                 "tls": {"mode": "SIMPLE", "credentialName": "shop-cert"}},
                {"port": {"number": 9443, "name": "mtls", "protocol": "HTTPS"}, "hosts": ["shop.example.com"],
                 "tls": {"mode": "MUTUAL", "credentialName": "shop-mtls"}}
              ]
            }
            """)));
        cluster.Put(FakeObjects.CustomResource("networking.istio.io/v1", "VirtualService", "demo", "shop", Json("""
            {
              "hosts": ["shop.example.com", "10.1.0.2"],
              "gateways": ["edge-gw"],
              "http": [
                {"name": "canary", "match": [{"headers": {"x-canary": {"exact": "yes"}}}],
                 "route": [{"destination": {"host": "web-b", "port": {"number": 80}}}]},
                {"name": "split", "match": [{"uri": {"prefix": "/split"}}],
                 "route": [{"destination": {"host": "web-a.demo.svc.cluster.local"}, "weight": 70},
                           {"destination": {"host": "web-b.demo"}, "weight": 30}]},
                {"name": "slow", "match": [{"uri": {"prefix": "/slow"}}], "timeout": "500ms",
                 "route": [{"destination": {"host": "web-b"}}]},
                {"name": "flaky-once", "match": [{"uri": {"prefix": "/flaky-once"}}], "retries": {"attempts": 0},
                 "route": [{"destination": {"host": "web-b"}}]},
                {"name": "flaky", "match": [{"uri": {"prefix": "/flaky"}}], "retries": {"attempts": 2, "retryOn": "5xx"},
                 "route": [{"destination": {"host": "web-b"}}]},
                {"name": "default", "route": [{"destination": {"host": "web-a"}}]}
              ]
            }
            """)));
    }

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static bool Bound(JsonElement status, int port) =>
        status.TryGetProperty("gateway", out var g) && g.GetProperty("listeners").EnumerateArray()
            .Any(l => l.GetProperty("port").GetInt32() == port && l.GetProperty("bound").GetArrayLength() > 0);

    private static IEnumerable<string> Warnings(JsonElement status) =>
        status.TryGetProperty("gateway", out var g) ? g.GetProperty("warnings").EnumerateArray().Select(w => w.GetString() ?? "") : [];

    private static async Task<string> CurlAsync(string netns, string url, params string[] args)
    {
        var (code, text, error) = await Task.Run(() => Shell.Exec("ip", ["netns", "exec", netns, "curl", "-sS", "--max-time", "15", .. args, url]));
        Assert.True(code == 0, $"curl {url} {string.Join(' ', args)}: exit {code}: {error}");
        return text;
    }

    /// <summary>An HttpClient whose connections are sockets in the client namespace (to the gateway's address whatever the URL's host).</summary>
    private static HttpClient Client(NetnsSockets sockets, X509Certificate2? ca, Action? connected = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (ctx, ct) =>
            {
                var s = sockets.Tcp();
                try
                {
                    await s.ConnectAsync(new IPEndPoint(IPAddress.Parse(Gw), ctx.DnsEndPoint.Port), ct);
                    connected?.Invoke();
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (ca is not null) handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && Pki.IssuedBy(cert, ca);
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(15) };
    }

    /// <summary>The certificate a new TLS handshake to the gateway's <paramref name="port"/> with SNI shop.example.com presents.</summary>
    private static async Task<X509Certificate2> ServedCertificateAsync(NetnsSockets sockets, int port)
    {
        using var s = sockets.Tcp();
        await s.ConnectAsync(new IPEndPoint(IPAddress.Parse(Gw), port));
        X509Certificate2? seen = null;
        await using var tls = new SslStream(new NetworkStream(s, ownsSocket: false), false, (_, cert, _, _) =>
        {
            seen = cert is null ? null : new X509Certificate2(cert);
            return true;
        });
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "shop.example.com" });
        return seen ?? throw new IOException("no certificate presented");
    }

    /// <summary>A CA, a server certificate for shop.example.com and a client certificate, with PEM files for curl.</summary>
    private sealed class Pki
    {
        public Pki(string dir)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = new CertificateRequest("CN=pluginmesh gateway test CA", key, HashAlgorithmName.SHA256);
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            Ca = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            Server = Issue("shop.example.com", serverAuth: true);
            var clientCert = Issue("client-1", serverAuth: false);
            CaFile = Path.Combine(dir, "ca.pem");
            ClientCertFile = Path.Combine(dir, "client.pem");
            ClientKeyFile = Path.Combine(dir, "client.key");
            File.WriteAllText(CaFile, Ca.ExportCertificatePem());
            File.WriteAllText(ClientCertFile, clientCert.ExportCertificatePem());
            File.WriteAllText(ClientKeyFile, KeyPem(clientCert));
        }

        public X509Certificate2 Ca { get; }

        public X509Certificate2 Server { get; }

        public string CaFile { get; }

        public string ClientCertFile { get; }

        public string ClientKeyFile { get; }

        public X509Certificate2 Issue(string name, bool serverAuth)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
            req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
            if (serverAuth)
            {
                var san = new SubjectAlternativeNameBuilder();
                san.AddDnsName(name);
                req.CertificateExtensions.Add(san.Build());
            }
            var serial = RandomNumberGenerator.GetBytes(12);
            using var signed = req.Create(Ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), serial);
            return signed.CopyWithPrivateKey(key);
        }

        public static string KeyPem(X509Certificate2 cert) =>
            (cert.GetECDsaPrivateKey() ?? throw new InvalidOperationException("no EC key")).ExportPkcs8PrivateKeyPem();

        public static bool IssuedBy(X509Certificate cert, X509Certificate2 ca)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(new X509Certificate2(cert));
        }
    }
}
