using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Gateway.Istio.Model;
using static PluginMesh.Plugins.Gateway.Istio.Tests.Config.IstioObjects;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Config;

/// <summary>Server certificates from TLS Secrets made in the test, down to a real TLS handshake with them.</summary>
public sealed class CertificateTests : IDisposable
{
    private readonly TestCertificates ca = new();

    private static MeshResource HttpsGateway(string mode = "SIMPLE", string credential = "shop-cert", string extra = "") => GatewayObject("edge", "gw", $$"""
        {
          "selector": { "istio": "ingressgateway" },
          "servers": [ { "port": { "number": 443, "name": "https", "protocol": "HTTPS" }, "hosts": [ "shop.example.com" ],
                         "tls": { "mode": "{{mode}}", "credentialName": "{{credential}}" {{extra}} } } ]
        }
        """);

    private static GatewayServer? OnlyServer(GatewayConfig config) =>
        config.Listeners.TryGetValue(443, out var listener) ? Assert.Single(listener.Servers) : null;

    [Theory]
    [InlineData(TestCertificates.KeyFormat.RsaPkcs1)]
    [InlineData(TestCertificates.KeyFormat.RsaPkcs8)]
    [InlineData(TestCertificates.KeyFormat.EcSec1)]
    [InlineData(TestCertificates.KeyFormat.EcPkcs8)]
    public async Task Simple_EveryKeyFormat_CertificateWithItsKey_ServesATlsHandshake(TestCertificates.KeyFormat format)
    {
        var (certPem, keyPem) = ca.Server("shop.example.com", format);
        var config = Build([HttpsGateway(extra: """, "minProtocolVersion": "TLSV1_2", "maxProtocolVersion": "TLSV1_3" """), TlsSecret("edge", "shop-cert", certPem, keyPem)]);

        Assert.Empty(config.Warnings);
        var server = OnlyServer(config)!;
        Assert.Equal(ServerProtocol.Https, server.Protocol);
        var tls = server.Tls!;
        Assert.Equal((GatewayTlsMode.Simple, SslProtocols.Tls12, SslProtocols.Tls13), (tls.Mode, tls.MinVersion, tls.MaxVersion));
        var certificate = tls.Certificate!;
        Assert.Equal("edge/shop-cert", certificate.Secret);
        Assert.True(certificate.Certificate.HasPrivateKey);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(X509Certificate2.CreateFromPem(certPem).RawData)), certificate.Fingerprint);
        Assert.Empty(certificate.ClientCa);
        Assert.Empty(certificate.Intermediates);

        await HandshakeAsync(certificate.Certificate, "shop.example.com");
    }

    [Fact]
    public void Chain_CertificatesAfterTheFirst_AreIntermediates()
    {
        var (certPem, keyPem) = ca.Server("shop.example.com");
        var config = Build([HttpsGateway(), TlsSecret("edge", "shop-cert", certPem + "\n" + ca.CaPem, keyPem)]);
        Assert.True(config.Warnings.Count == 0, string.Join("; ", config.Warnings));
        var certificate = OnlyServer(config)!.Tls!.Certificate!;
        Assert.Equal("CN=shop.example.com", certificate.Certificate.Subject);
        Assert.Equal(ca.Ca.Thumbprint, Assert.Single(certificate.Intermediates).Thumbprint);
    }

    [Fact]
    public void Mutual_CaFromTheSecret_OrFromItsCacertSecret_OrTheServerIsSkipped()
    {
        var (certPem, keyPem) = ca.Server("shop.example.com");
        var inSecret = Build([HttpsGateway("MUTUAL"), TlsSecret("edge", "shop-cert", certPem, keyPem, ca.CaPem)]);
        Assert.Empty(inSecret.Warnings);
        Assert.Equal(ca.Ca.Thumbprint, Assert.Single(OnlyServer(inSecret)!.Tls!.Certificate!.ClientCa).Thumbprint);
        Assert.Equal(GatewayTlsMode.Mutual, OnlyServer(inSecret)!.Tls!.Mode);

        using var otherCa = new TestCertificates("other-ca");
        var cacert = Secret("edge", "shop-cert-cacert", new JsonObject { ["cacert"] = Base64(otherCa.CaPem) });
        var separate = Build([HttpsGateway("MUTUAL"), TlsSecret("edge", "shop-cert", certPem, keyPem), cacert]);
        Assert.Empty(separate.Warnings);
        Assert.Equal(otherCa.Ca.Thumbprint, Assert.Single(OnlyServer(separate)!.Tls!.Certificate!.ClientCa).Thumbprint);

        // SIMPLE never carries a client CA, even when the Secret has one.
        var simple = Build([HttpsGateway(), TlsSecret("edge", "shop-cert", certPem, keyPem, ca.CaPem)]);
        Assert.Empty(OnlyServer(simple)!.Tls!.Certificate!.ClientCa);

        var none = Build([HttpsGateway("MUTUAL"), TlsSecret("edge", "shop-cert", certPem, keyPem)]);
        Assert.Null(OnlyServer(none));
        Assert.StartsWith("Gateway edge/gw: spec.servers[0].tls.credentialName: Secret edge/shop-cert: MUTUAL needs a client CA", Assert.Single(none.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenOrMissingSecret_SkipsTheServer_WithAWarningNamingIt()
    {
        var (certPem, keyPem) = ca.Server("shop.example.com");
        var (_, otherKey) = ca.Server("other.example.com");
        var cases = new (MeshResource? Secret, string Problem)[]
        {
            (null, "Secret edge/shop-cert not found"),
            (TlsSecret("edge", "shop-cert", certPem, null), "Secret edge/shop-cert: no tls.key"),
            (TlsSecret("edge", "shop-cert", null, keyPem), "Secret edge/shop-cert: no tls.crt"),
            (TlsSecret("edge", "shop-cert", certPem, otherKey), "Secret edge/shop-cert: unreadable certificate or key"),
            (TlsSecret("edge", "shop-cert", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", keyPem), "Secret edge/shop-cert: unreadable certificate or key"),
            (Secret("edge", "shop-cert", new JsonObject { ["tls.crt"] = "%%%", ["tls.key"] = "%%%" }), "Secret edge/shop-cert: data holds a value that is not base64"),
            (Secret("edge", "shop-cert", new JsonObject { ["tls.crt"] = 5 }), "Secret edge/shop-cert: data.tls.crt is not a string"),
            (TlsSecret("other-namespace", "shop-cert", certPem, keyPem), "Secret edge/shop-cert not found"),
        };
        foreach (var (secret, problem) in cases)
        {
            var config = Build(secret is null ? [HttpsGateway()] : [HttpsGateway(), secret]);
            Assert.Empty(config.Listeners);
            Assert.StartsWith($"Gateway edge/gw: spec.servers[0].tls.credentialName: {problem}", Assert.Single(config.Warnings), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ExpiredCertificate_ServedWithAWarning()
    {
        var (certPem, keyPem) = ca.Server("shop.example.com", notAfter: DateTimeOffset.UtcNow.AddMinutes(-5));
        var config = Build([HttpsGateway(), TlsSecret("edge", "shop-cert", certPem, keyPem)]);
        Assert.NotNull(OnlyServer(config)!.Tls!.Certificate);
        Assert.Contains("the certificate expired at", Assert.Single(config.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void UnchangedSecret_SameCertificate_ChangedSecret_NewFingerprint()
    {
        var (certPem, keyPem) = ca.Server("shop.example.com");
        var secret = TlsSecret("edge", "shop-cert", certPem, keyPem);
        var first = OnlyServer(Build([HttpsGateway(), secret]))!.Tls!.Certificate!;
        var again = OnlyServer(Build([HttpsGateway(), secret]))!.Tls!.Certificate!;
        Assert.Same(first, again);

        var (rotatedPem, rotatedKey) = ca.Server("shop.example.com");
        var rotated = OnlyServer(Build([HttpsGateway(), TlsSecret("edge", "shop-cert", rotatedPem, rotatedKey)]))!.Tls!.Certificate!;
        Assert.NotEqual(first.Fingerprint, rotated.Fingerprint);
    }

    // A real handshake over loopback: the client checks it got exactly this certificate.
    private static async Task HandshakeAsync(X509Certificate2 certificate, string host)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        var connect = client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var accepted = await listener.AcceptTcpClientAsync(TestTimeout.Token());
        await connect;
        await using var serverTls = new SslStream(accepted.GetStream());
        await using var clientTls = new SslStream(client.GetStream(), false, (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString());
        await Task.WhenAll(
            serverTls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, TestTimeout.Token()),
            clientTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, TestTimeout.Token()));
        await clientTls.WriteAsync("ping"u8.ToArray(), TestTimeout.Token());
        var buffer = new byte[4];
        await serverTls.ReadExactlyAsync(buffer, TestTimeout.Token());
        Assert.Equal("ping"u8.ToArray(), buffer);
    }

    public void Dispose() => ca.Dispose();
}
