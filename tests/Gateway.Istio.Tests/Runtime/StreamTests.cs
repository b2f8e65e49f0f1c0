using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support;
using static PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support.GatewayHarness;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime;

/// <summary>TCP and TLS-passthrough ports: real sockets, a real TLS backend reached by SNI.</summary>
public sealed class StreamTests
{
    private static GatewayListener Tcp(int port, params StreamRoute[] routes) =>
        new(port, ServerProtocol.Tcp, [Server(port, ServerProtocol.Tcp, ["*"])], [], routes);

    private static GatewayListener Passthrough(int port, params StreamRoute[] routes) =>
        new(port, ServerProtocol.Tls, [Server(port, ServerProtocol.Tls, ["*.example.com"], new GatewayTls(GatewayTlsMode.Passthrough, null))], [], routes);

    /// <summary>A TCP server that answers each connection with "name:" and what it read until the client's half-close.</summary>
    private static (TcpListener Listener, Task Loop) EchoServer(string name, Func<Stream, Task<Stream>>? wrap = null)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var loop = Task.Run(async () =>
        {
            while (true)
            {
                TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            var stream = wrap is null ? client.GetStream() : await wrap(client.GetStream());
                            using var read = new MemoryStream();
                            await stream.CopyToAsync(read);
                            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(name + ":" + System.Text.Encoding.ASCII.GetString(read.ToArray())));
                            if (stream is SslStream tls) await tls.ShutdownAsync();
                            client.Client.Shutdown(SocketShutdown.Send);
                            await stream.FlushAsync();
                        }
                        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
                        {
                            // The test's client went away.
                        }
                    }
                });
            }
        });
        return (listener, loop);
    }

    [Fact]
    public async Task Tcp_BytesGoBothWays_HalfCloseIsPassedOn()
    {
        var (backend, loop) = EchoServer("db");
        await using var gateway = await StartAsync();
        var postgres = new ServiceKey("shop", "postgres");
        gateway.Connector.Set(postgres, 5432, (IPEndPoint)backend.LocalEndpoint);
        var port = FreePort();
        await gateway.ApplyAsync(Tcp(port, new StreamRoute("db", "shop/vs", [], null, [To(postgres, 5432)])));

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync("select 1"u8.ToArray());
        client.Client.Shutdown(SocketShutdown.Send);
        using var reader = new StreamReader(stream);

        Assert.Equal("db:select 1", await reader.ReadToEndAsync(TestTimeout.Token()));
        backend.Stop();
        await loop;
        await Eventually.TrueAsync(() => gateway.Metrics.Streams.TryGetValue("db", out var r) && r.GetValueOrDefault("ok") == 1, "the connection counted ok");
    }

    [Fact]
    public async Task TlsPassthrough_SniPicksTheRoute_TheClientsTlsEndsAtTheBackend()
    {
        using var ca = TestCertificates.Authority("backend CA");
        using var dbCert = TestCertificates.Issue(ca, true, "db.example.com");
        var (db, dbLoop) = EchoServer("db", async s =>
        {
            var tls = new SslStream(s);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = dbCert });
            return tls;
        });
        var (web, webLoop) = EchoServer("web", async s =>
        {
            var tls = new SslStream(s);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = dbCert });
            return tls;
        });
        await using var gateway = await StartAsync();
        var dbService = new ServiceKey("shop", "db");
        var webService = new ServiceKey("shop", "web");
        gateway.Connector.Set(dbService, 443, (IPEndPoint)db.LocalEndpoint);
        gateway.Connector.Set(webService, 443, (IPEndPoint)web.LocalEndpoint);
        var port = FreePort();
        await gateway.ApplyAsync(Passthrough(port,
            new StreamRoute("db", "shop/vs", ["db.example.com"], null, [To(dbService, 443)]),
            new StreamRoute("web", "shop/vs", ["*.example.com"], null, [To(webService, 443)])));

        Assert.Equal("db:ping", await TlsExchangeAsync(port, "db.example.com", ca));
        Assert.Equal("web:ping", await TlsExchangeAsync(port, "www.example.com", ca));
        await Assert.ThrowsAnyAsync<Exception>(() => TlsExchangeAsync(port, "other.org", ca));

        // Not TLS at all: closed.
        using var plain = new TcpClient();
        await plain.ConnectAsync(IPAddress.Loopback, port);
        await plain.GetStream().WriteAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
        Assert.Equal(0, await ReadOrResetAsync(plain.GetStream()));

        await Eventually.TrueAsync(() => gateway.Metrics.Streams.TryGetValue("-", out var r) && r.GetValueOrDefault("no_route") == 1 && r.GetValueOrDefault("bad_client_hello") == 1,
            "the refused connections counted");
        db.Stop();
        web.Stop();
        await Task.WhenAll(dbLoop, webLoop);
    }

    private static async Task<string> TlsExchangeAsync(int port, string serverName, X509Certificate2 ca)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(client.GetStream(), false, (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            using var leaf = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
            return chain.Build(leaf);
        });
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = serverName }, TestTimeout.Token());
        await tls.WriteAsync("ping"u8.ToArray(), TestTimeout.Token());
        await tls.ShutdownAsync();
        client.Client.Shutdown(SocketShutdown.Send);
        using var reader = new StreamReader(tls);
        return await reader.ReadToEndAsync(TestTimeout.Token());
    }

    private static async Task<int> ReadOrResetAsync(Stream stream)
    {
        try
        {
            return await stream.ReadAsync(new byte[16], TestTimeout.Token());
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
