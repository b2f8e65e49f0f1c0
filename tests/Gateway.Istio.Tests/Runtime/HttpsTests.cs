using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support;
using static PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support.GatewayHarness;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime;

/// <summary>HTTPS on a real gateway port: certificates by SNI, client certificates, TLS versions, rotation without a restart.</summary>
public sealed class HttpsTests : IDisposable
{
    private readonly X509Certificate2 _ca = TestCertificates.Authority("gateway test CA");
    private readonly X509Certificate2 _clientCa = TestCertificates.Authority("client CA");
    private readonly X509Certificate2 _otherCa = TestCertificates.Authority("other CA");

    public void Dispose()
    {
        _ca.Dispose();
        _clientCa.Dispose();
        _otherCa.Dispose();
    }

    private GatewayServer Simple(int port, string host, X509Certificate2 certificate, GatewayTlsMode mode = GatewayTlsMode.Simple,
        SslProtocols min = SslProtocols.None, SslProtocols max = SslProtocols.None) =>
        Server(port, ServerProtocol.Https, [host], new GatewayTls(mode, TestCertificates.Gateway(certificate, mode == GatewayTlsMode.Mutual ? [_clientCa] : []), min, max));

    [Fact]
    public async Task TwoServersOnOnePort_EachNameGetsItsCertificate_AndTheRequestIsForwarded()
    {
        await using var backend = await Backend.EchoAsync("reviews");
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
        var port = FreePort();
        using var shop = TestCertificates.Issue(_ca, true, "shop.example.com");
        using var admin = TestCertificates.Issue(_ca, true, "admin.example.com");
        await gateway.ApplyAsync(Https(port, [Simple(port, "shop.example.com", shop), Simple(port, "admin.example.com", admin)],
            Route("all", ["*"], [], [To(Reviews, 9080)])));

        string? seen = null;
        using var client = Client(port, _ca, serverCertificate: s => seen = s);
        var body = await client.GetStringAsync($"https://shop.example.com:{port}/x", TestTimeout.Token());
        Assert.Equal("CN=shop.example.com", seen);
        Assert.StartsWith($"reviews /x host=shop.example.com:{port} xff=127.0.0.1 proto=https", body);

        using var adminClient = Client(port, _ca, serverCertificate: s => seen = s);
        await adminClient.GetStringAsync($"https://admin.example.com:{port}/", TestTimeout.Token());
        Assert.Equal("CN=admin.example.com", seen);
    }

    [Fact]
    public async Task Mutual_WithoutOrWithAForeignClientCertificate_FailsTheHandshake_WithOneFromTheCa_Works()
    {
        await using var backend = await Backend.EchoAsync("reviews");
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
        var port = FreePort();
        using var server = TestCertificates.Issue(_ca, true, "shop.example.com");
        using var good = TestCertificates.Issue(_clientCa, false, "alice");
        using var foreign = TestCertificates.Issue(_otherCa, false, "mallory");
        await gateway.ApplyAsync(Https(port, [Simple(port, "shop.example.com", server, GatewayTlsMode.Mutual)], Route("all", ["*"], [], [To(Reviews, 9080)])));
        var url = $"https://shop.example.com:{port}/";

        // Raw handshakes first, to count them one by one (HttpClient may try a failed connection again).
        Assert.False(await ServedAsync(port, null));
        await Eventually.TrueAsync(() => gateway.Metrics.HandshakeFailures == 1, "the handshake without a client certificate counted");
        Assert.False(await ServedAsync(port, foreign));
        await Eventually.TrueAsync(() => gateway.Metrics.HandshakeFailures == 2, "the handshake with a foreign client certificate counted");
        Assert.True(await ServedAsync(port, good));

        using var none = Client(port, _ca);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => none.GetStringAsync(url, TestTimeout.Token()));
        using var wrong = Client(port, _ca, foreign);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => wrong.GetStringAsync(url, TestTimeout.Token()));
        using var right = Client(port, _ca, good);
        Assert.StartsWith("reviews / ", await right.GetStringAsync(url, TestTimeout.Token()));
    }

    /// <summary>True when a TLS connection with <paramref name="certificate"/> gets an HTTP answer (with TLS 1.3 a refused client certificate shows only after the client's side of the handshake).</summary>
    private static async Task<bool> ServedAsync(int port, X509Certificate2? certificate)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new System.Net.Security.SslStream(socket.GetStream(), false, (_, _, _, _) => true);
        try
        {
            await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = "shop.example.com",
                ClientCertificates = certificate is null ? null : [certificate],
                ApplicationProtocols = [System.Net.Security.SslApplicationProtocol.Http11],
            }, TestTimeout.Token());
            await tls.WriteAsync("GET / HTTP/1.1\r\nHost: shop.example.com\r\nConnection: close\r\n\r\n"u8.ToArray(), TestTimeout.Token());
            var buffer = new byte[64];
            var read = await tls.ReadAsync(buffer, TestTimeout.Token());
            return read > 0 && System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("HTTP/1.1 200", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Grpc_OverHttp2_GoesToTheEndpointAsHttp2WithPriorKnowledge()
    {
        await using var grpc = await Backend.StartAsync(context =>
        {
            context.Response.ContentType = "application/grpc";
            return Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response, $"{context.Request.Protocol} {context.Request.Path}");
        }, http2Only: true);
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9090, grpc.Endpoint);
        var port = FreePort();
        using var server = TestCertificates.Issue(_ca, true, "grpc.example.com");
        await gateway.ApplyAsync(Https(port, [Simple(port, "grpc.example.com", server)], Route("grpc", ["*"], [], [To(Reviews, 9090)])));
        using var client = Client(port, _ca);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"https://grpc.example.com:{port}/shop.Reviews/List")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");

        using var response = await client.SendAsync(request, TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("HTTP/2 /shop.Reviews/List", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Curl_WithAClientCertificate_IsServed_AndWithoutOneIsRefused()
    {
        await using var backend = await Backend.EchoAsync("reviews");
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
        var port = FreePort();
        using var server = TestCertificates.Issue(_ca, true, "shop.example.com");
        using var alice = TestCertificates.Issue(_clientCa, false, "alice");
        await gateway.ApplyAsync(Https(port, [Simple(port, "shop.example.com", server, GatewayTlsMode.Mutual)], Route("all", ["*"], [], [To(Reviews, 9080)])));
        var dir = Directory.CreateTempSubdirectory("gw-curl-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "ca.pem"), _ca.ExportCertificatePem());
            File.WriteAllText(Path.Combine(dir, "client.pem"), alice.ExportCertificatePem());
            File.WriteAllText(Path.Combine(dir, "client.key"), alice.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
            string[] common = ["-sS", "--max-time", "30", "--cacert", Path.Combine(dir, "ca.pem"), "--resolve", $"shop.example.com:{port}:127.0.0.1"];
            var url = $"https://shop.example.com:{port}/curl";

            var (code, output, _) = await Task.Run(() => Shell.Exec("curl", [.. common, "--cert", Path.Combine(dir, "client.pem"), "--key", Path.Combine(dir, "client.key"), url]));
            Assert.Equal(0, code);
            Assert.StartsWith($"reviews /curl host=shop.example.com:{port} xff=127.0.0.1 proto=https", output);

            var (refused, _, error) = await Task.Run(() => Shell.Exec("curl", [.. common, url]));
            Assert.NotEqual(0, refused);
            Assert.NotEmpty(error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task UnknownServerName_FailsTheHandshake()
    {
        await using var gateway = await StartAsync();
        var port = FreePort();
        using var server = TestCertificates.Issue(_ca, true, "shop.example.com");
        await gateway.ApplyAsync(Https(port, [Simple(port, "shop.example.com", server)], Route("all", ["*"], [], [To(Reviews, 9080)])));

        using var client = Client(port, _ca);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetStringAsync($"https://other.example.org:{port}/", TestTimeout.Token()));
    }

    [Fact]
    public async Task MinVersionTls13_RefusesATls12Client()
    {
        await using var gateway = await StartAsync();
        var port = FreePort();
        using var server = TestCertificates.Issue(_ca, true, "shop.example.com");
        await gateway.ApplyAsync(Https(port, [Simple(port, "shop.example.com", server, min: SslProtocols.Tls13)],
            Route("all", ["*"], [], [], direct: new HttpDirectResponse(200, null, "hi"))));

        using var tls13 = Client(port, _ca);
        Assert.Equal("hi", await tls13.GetStringAsync($"https://shop.example.com:{port}/", TestTimeout.Token()));

        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new System.Net.Security.SslStream(socket.GetStream(), false, (_, _, _, _) => true);
        await Assert.ThrowsAnyAsync<Exception>(() => tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = "shop.example.com",
            EnabledSslProtocols = SslProtocols.Tls12,
        }, TestTimeout.Token()));
    }

    [Fact]
    public async Task CertificateRotation_IsServedFromTheNextHandshake_WithoutDroppingAnOpenConnection()
    {
        await using var backend = await Backend.EchoAsync("reviews");
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
        var port = FreePort();
        using var first = TestCertificates.Issue(_ca, true, "shop.example.com", "v1.shop.example.com");
        using var second = TestCertificates.Issue(_ca, true, "shop.example.com", "v2.shop.example.com");
        var route = Route("all", ["*"], [], [To(Reviews, 9080)]);
        await gateway.ApplyAsync(1, [], Https(port, [Simple(port, "shop.example.com", first)], route));
        var url = $"https://shop.example.com:{port}/";

        string? seen = null;
        using var kept = Client(port, _ca, serverCertificate: s => seen = s);
        await kept.GetStringAsync(url, TestTimeout.Token());
        var firstFingerprint = ((GatewayStatus)gateway.Service.GetStatus()).Listeners.Single().Servers.Single().Certificate!.Fingerprint;

        await gateway.ApplyAsync(2, [], Https(port, [Simple(port, "shop.example.com", second)], route));

        // The open keep-alive connection still serves, with the certificate it was set up with.
        seen = null;
        Assert.StartsWith("reviews", await kept.GetStringAsync(url, TestTimeout.Token()));
        Assert.Null(seen);
        // A new handshake gets the new certificate.
        X509Certificate2? presented = null;
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new System.Net.Security.SslStream(socket.GetStream(), false, (_, c, _, _) =>
        {
            presented = X509CertificateLoader.LoadCertificate(c!.GetRawCertData());
            return true;
        });
        await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions { TargetHost = "shop.example.com" }, TestTimeout.Token());
        Assert.Equal(second.Thumbprint, presented!.Thumbprint);
        var status = (GatewayStatus)gateway.Service.GetStatus();
        Assert.Equal(2, status.ConfigVersion);
        Assert.NotEqual(firstFingerprint, status.Listeners.Single().Servers.Single().Certificate!.Fingerprint);
        presented.Dispose();
    }
}
