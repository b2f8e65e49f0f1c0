using System.Text;
using Microsoft.Extensions.DependencyInjection;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Proxy.Socks5.Socks;
using PluginMesh.Plugins.Proxy.Socks5.Tests.Support;

namespace PluginMesh.Plugins.Proxy.Socks5.Tests;

/// <summary>
/// proxy.socks5 on an agent without a tunnel plugin: its own node only, the handshake bound, the
/// connection limit, listeners that cannot bind yet, and the credentials file's rules.
/// </summary>
public sealed class StandaloneTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-socks5-solo-").FullName;
    private readonly SnapshotCatalog _catalog = new();
    private readonly List<PluginServices> _started = [];

    public Task InitializeAsync()
    {
        _catalog.PublishNodes(new MeshNode("solo", [], [IPAddress.Loopback]), new MeshNode("other", [], [IPAddress.Parse("10.9.9.9")]));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var s in _started) await s.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<Socks5Service> StartAsync(params (string, string?)[] section)
    {
        var services = await PluginServices.StartAsync(new ProxySocks5Plugin(), new NodeSettings("solo", _dir, Path.Combine(_dir, "policies")),
            s => s.AddSingleton<IServiceCatalog>(_catalog), [("listen", "127.0.0.1:0"), .. section]);
        _started.Add(services);
        var service = services.Get<Socks5Service>();
        await Eventually.TrueAsync(() => service.Bound.Count > 0, "listener bound");
        return service;
    }

    private string Credentials(string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(_dir, "credentials-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
        return path;
    }

    private static Socks5Status Status(Socks5Service s) => (Socks5Status)s.GetStatus();

    [Fact]
    public async Task NoTunnel_OwnNodeServed_OtherNodeHostUnreachable()
    {
        await using var server = TcpServer.BannerEcho();
        var socks = await StartAsync(("allowedPorts", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var (reply, socket) = await SocksClient.RequestAsync(socks.Bound[0], SocksClient.Connect("solo", server.Port));
        socket.Dispose();
        Assert.Equal((byte)Socks5Reply.Succeeded, reply);
        (reply, socket) = await SocksClient.RequestAsync(socks.Bound[0], SocksClient.Connect(IPAddress.Parse("10.9.9.9"), 22));
        socket.Dispose();
        Assert.Equal((byte)Socks5Reply.HostUnreachable, reply);
        Assert.False(Status(socks).Serving);
    }

    [Fact]
    public async Task SilentClient_IsClosedAfterConnectTimeout_AndCountedAsBadHandshake()
    {
        var socks = await StartAsync(("connectTimeoutSeconds", "1"));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(socks.Bound[0]);
        await SocksClient.SendAsync(socket, [5, 1]);
        Assert.Empty(await SocksClient.ReadToEndAsync(socket));
        await Eventually.TrueAsync(() => Status(socks).Connections.GetValueOrDefault("bad_handshake") == 1, "counted");
        Assert.Equal(0, Status(socks).Active);
    }

    [Fact]
    public async Task MaxConnections_OneMore_IsResetAndCounted()
    {
        var socks = await StartAsync(("maxConnections", "1"));
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await first.ConnectAsync(socks.Bound[0]);
        await Eventually.TrueAsync(() => Status(socks).Active == 1, "first connection open");
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await second.ConnectAsync(socks.Bound[0]);
            Assert.Empty(await SocksClient.ReadToEndAsync(second));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // The reset may arrive before the connect completes on our side.
        }
        await Eventually.TrueAsync(() => Status(socks).Connections.GetValueOrDefault("limit") == 1, "limit counted");
    }

    [Fact]
    public async Task ListenAddressNotPresentYet_IsRetried_OthersServe()
    {
        // 192.0.2.1 (TEST-NET-1) is on no interface here, as 169.254.96.16 before the DNS plugin made it.
        var services = await PluginServices.StartAsync(new ProxySocks5Plugin(), new NodeSettings("solo", _dir, Path.Combine(_dir, "policies")),
            s => s.AddSingleton<IServiceCatalog>(_catalog), ("listen:0", "192.0.2.1:10800"), ("listen:1", "127.0.0.1:0"), ("auth", "off"));
        _started.Add(services);
        var socks = services.Get<Socks5Service>();
        await Eventually.TrueAsync(() => Status(socks).Listeners[0].Error is not null && socks.Bound.Count == 1, "one bound, one waiting");
        Assert.Null(Status(socks).Listeners[0].Bound);
        Assert.Contains("127.0.0.1", Status(socks).Listeners[1].Bound, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CredentialsFile_Rotated_NewPasswordWorksWithoutRestart()
    {
        var path = Credentials("ops:first\n");
        var socks = await StartAsync(("credentialsFile", path));
        await using var server = TcpServer.BannerEcho();
        // The server's port is not allowed here: the not-allowed reply after authentication says it passed.
        async Task<byte> ReplyWith(string password)
        {
            var (reply, socket) = await SocksClient.RequestAsync(socks.Bound[0], SocksClient.Connect("solo", server.Port), ("ops", password));
            socket.Dispose();
            return reply;
        }
        Assert.Equal((byte)Socks5Reply.NotAllowed, await ReplyWith("first"));

        File.WriteAllText(path, "ops:second\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        Assert.Equal(0xFF, await ReplyWith("first"));
        Assert.Equal((byte)Socks5Reply.NotAllowed, await ReplyWith("second"));

        // Broken afterwards: the last good pairs stay, and the status says why.
        File.WriteAllText(path, "no colon here\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(10));
        Assert.Equal((byte)Socks5Reply.NotAllowed, await ReplyWith("second"));
        Assert.Equal($"[proxy.socks5] credentials file {path}:1 is not user:password (the last good credentials stay in effect)", Status(socks).CredentialsProblem);
    }

    public static TheoryData<string, bool, string> BadFiles() => new()
    {
        { "ops:pw\n", true, "has mode 0644" },
        { "# nobody\n", false, "holds no user:password line" },
        { "ops:pw\n:nobody\n", false, ":2 has an empty user name" },
        { "ops:\n", false, ":1 has an empty password" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task CredentialsFile_Unusable_StartFailsNamingIt(string text, bool groupReadable, string expected)
    {
        var path = Credentials(text, groupReadable ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var e = await Assert.ThrowsAsync<PluginMeshException>(() => PluginServices.StartAsync(new ProxySocks5Plugin(),
            new NodeSettings("solo", _dir, Path.Combine(_dir, "policies")), null, ("listen", "127.0.0.1:0"), ("credentialsFile", path)));
        Assert.StartsWith("[proxy.socks5] load credentials: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
