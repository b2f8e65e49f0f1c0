using System.Text;
using PluginMesh.Plugins.Proxy.Socks5.Socks;
using PluginMesh.Plugins.Proxy.Socks5.Target;
using PluginMesh.Plugins.Proxy.Socks5.Tests.Support;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

namespace PluginMesh.Plugins.Proxy.Socks5.Tests;

/// <summary>
/// Three agents over real libp2p on loopback: third-party SOCKS clients (curl, OpenBSD nc) and a raw
/// client go through one agent to servers on another node, and every refusal gets its reply code.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class EndToEndTests(Mesh mesh) : IAsyncLifetime
{
    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Curl_Socks5Hostname_NodeName_ReachesHttpServerOnOtherNode()
    {
        var body = Shell.Run("curl", "-sS", "--max-time", "30", "--socks5-hostname", mesh.A.Proxy.ToString(), $"http://node-b:{Port(mesh.Http.Port)}/");
        Assert.Equal("hello from node-b", body);
        Assert.True(mesh.A.Status.Connections.GetValueOrDefault("succeeded") > 0);
        Assert.True(mesh.B.Status.Served.GetValueOrDefault("ok") > 0);
        Assert.True(mesh.A.Status.BytesDown >= body.Length);
    }

    [Fact]
    public void Curl_WithCredentials_ThroughTheAuthenticatingAgent_ReachesServer()
    {
        var body = Shell.Run("curl", "-sS", "--max-time", "30", "--socks5-hostname", mesh.C.Proxy.ToString(),
            "--proxy-user", $"{Mesh.User}:{Mesh.Password}", $"http://node-b:{Port(mesh.Http.Port)}/");
        Assert.Equal("hello from node-b", body);
    }

    [Fact]
    public void Nc_X5_NodeName_ReachesBannerServerOnOtherNode_BothWaysWithHalfClose()
    {
        // As `ssh -o ProxyCommand='nc -X 5 -x 169.254.96.16:10800 %h %p' node-b` would: -N passes our end of input on as a half-close.
        var output = Shell.RunWithInput("over the tunnel\n", "nc", "-N", "-X", "5", "-x", mesh.A.Proxy.ToString(), "node-b", Port(mesh.Echo.Port));
        Assert.Equal(TcpServer.Banner + "\nover the tunnel\n", output);
    }

    public static TheoryData<string> NodeBAddresses() => new() { "127.0.0.1", "::1", "::ffff:127.0.0.1" };

    [Theory]
    [MemberData(nameof(NodeBAddresses))]
    public async Task AddressTarget_NodesInternalIp_MapsToThatNode_IPv4AndIPv6(string address)
    {
        var (reply, socket) = await SocksClient.RequestAsync(mesh.A.Proxy, SocksClient.Connect(IPAddress.Parse(address), mesh.Echo.Port));
        using (socket)
        {
            Assert.Equal((byte)Socks5Reply.Succeeded, reply);
            var banner = await SocksClient.ReceiveAsync(socket, TcpServer.Banner.Length + 1);
            Assert.Equal(TcpServer.Banner + "\n", Encoding.ASCII.GetString(banner));
        }
    }

    [Fact]
    public async Task OwnNodeName_IsDialedLocally_WithTheSameAllowList()
    {
        // node-b's own clients reach node-b's ports without the tunnel, and only the allowed ones.
        var (reply, socket) = await SocksClient.RequestAsync(mesh.B.Proxy, SocksClient.Connect("node-b", mesh.Echo.Port));
        socket.Dispose();
        Assert.Equal((byte)Socks5Reply.Succeeded, reply);
        (reply, socket) = await SocksClient.RequestAsync(mesh.B.Proxy, SocksClient.Connect("NODE-B.", 22022));
        socket.Dispose();
        Assert.Equal((byte)Socks5Reply.NotAllowed, reply);
    }

    public static TheoryData<string, byte> Refusals() => new()
    {
        { "port-off-the-allow-list", (byte)Socks5Reply.NotAllowed },
        { "unknown-node", (byte)Socks5Reply.HostUnreachable },
        { "address-no-node-has", (byte)Socks5Reply.NotAllowed },
        { "allowed-port-nothing-listens", (byte)Socks5Reply.ConnectionRefused },
        { "bind-command", (byte)Socks5Reply.CommandNotSupported },
        { "udp-associate-command", (byte)Socks5Reply.CommandNotSupported },
        { "node-without-the-plugin", (byte)Socks5Reply.ConnectionRefused },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Refused_GetsItsReplyCode_AndIsCounted(string scenario, byte expected)
    {
        var request = scenario switch
        {
            "port-off-the-allow-list" => SocksClient.Connect("node-b", 22),
            "unknown-node" => SocksClient.Connect("node-zz", 22),
            "address-no-node-has" => SocksClient.Connect(IPAddress.Parse("192.0.2.7"), 22),
            "allowed-port-nothing-listens" => SocksClient.Connect("node-b", mesh.DeadPort),
            "bind-command" => SocksClient.Connect("node-b", mesh.Echo.Port, command: 2),
            "udp-associate-command" => SocksClient.Connect("node-b", mesh.Echo.Port, command: 3),
            "node-without-the-plugin" => SocksClient.Connect(await TunnelOnlyNodeAsync(), 22),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };
        var code = ((Socks5Reply)expected).ToCode();
        var before = mesh.A.Status.Connections.GetValueOrDefault(code);

        var (reply, socket) = await SocksClient.RequestAsync(mesh.A.Proxy, request);
        using (socket)
        {
            Assert.Equal(expected, reply);
            // Answered, then closed: nothing more arrives.
            Assert.Empty(await SocksClient.ReadToEndAsync(socket));
        }
        await Eventually.TrueAsync(() => mesh.A.Status.Connections.GetValueOrDefault(code) > before, $"{code} counted");
    }

    [Fact]
    public async Task UnknownAddressType_GetsAddressTypeNotSupported()
    {
        var (reply, socket) = await SocksClient.RequestAsync(mesh.A.Proxy, [5, 1, 0, 9, 1, 2, 3, 4, 0, 22]);
        socket.Dispose();
        Assert.Equal((byte)Socks5Reply.AddressTypeNotSupported, reply);
    }

    [Fact]
    public async Task BadCredentials_AuthFails_AndNoRequestIsServed()
    {
        var before = mesh.C.Status.Connections.GetValueOrDefault("auth_failed");
        var (reply, socket) = await SocksClient.RequestAsync(mesh.C.Proxy, SocksClient.Connect("node-b", mesh.Echo.Port), (Mesh.User, "wrong"));
        socket.Dispose();
        Assert.Equal(0xFF, reply);
        Assert.Equal(before + 1, mesh.C.Status.Connections.GetValueOrDefault("auth_failed"));

        var (curl, _, error) = Shell.Exec("curl", "-sS", "--max-time", "30", "--socks5-hostname", mesh.C.Proxy.ToString(),
            "--proxy-user", $"{Mesh.User}:nope", $"http://node-b:{Port(mesh.Http.Port)}/");
        // 97: curl's CURLE_PROXY ("User was rejected by the SOCKS5 server").
        Assert.Equal(97, curl);
        Assert.Contains("rejected", error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AuthRequired_ClientOfferingNoAuthentication_GetsNoAcceptableMethod()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(mesh.C.Proxy);
        await SocksClient.SendAsync(socket, [5, 1, 0]);
        Assert.Equal(new byte[] { 5, 0xFF }, await SocksClient.ReceiveAsync(socket, 2));
        Assert.Empty(await SocksClient.ReadToEndAsync(socket));
    }

    [Fact]
    public async Task NotAMember_PeerBoundToNoNodeName_IsRefusedByTheServingAgent()
    {
        // A peer that completed the handshake but is in neither the catalog's bindings nor the directory.
        await using var outsider = await PluginServices.StartAsync(new TunnelLibp2pPlugin(), Path.Combine(mesh.Dir, "outsider-" + Guid.NewGuid().ToString("N")), null,
            ("listen:0", "/ip4/127.0.0.1/tcp/0"), ("autonat:enabled", "false"));
        var b = mesh.Directory_.Resolve("node-b")!;
        var before = mesh.B.Status.Served.GetValueOrDefault("not_member");
        var opened = await outsider.Get<PluginMesh.Abstractions.Tunnel.IMeshTunnel>().OpenStreamAsync(
            new PluginMesh.Abstractions.Tunnel.PeerTarget(PeerId: b.PeerId, Addresses: b.DirectAddresses), TargetCodec.ProtocolId, TestTimeout.Token());
        Assert.True(opened.Ok, opened.Error);
        await using var stream = opened.Stream;
        await TargetCodec.WriteRequestAsync(stream.Stream, new TargetRequest(mesh.Echo.Port, null), TestTimeout.Token());
        var (status, reason) = await TargetCodec.ReadAnswerAsync(stream.Stream, TestTimeout.Token());
        Assert.Equal(TargetStatus.NotAllowed, status);
        Assert.StartsWith("not_member:", reason, StringComparison.Ordinal);
        Assert.Equal(before + 1, mesh.B.Status.Served.GetValueOrDefault("not_member"));
    }

    [Fact]
    public async Task ServingAgent_AddressNotItsOwn_IsRefused_NoRelayIntoTheCluster()
    {
        // node-a asks node-b for an address that is not node-b's: node-b refuses without dialing.
        var opened = await mesh.A.Tunnel.OpenStreamAsync(new PluginMesh.Abstractions.Tunnel.PeerTarget(NodeName: "node-b"), TargetCodec.ProtocolId, TestTimeout.Token());
        Assert.True(opened.Ok, opened.Error);
        await using var stream = opened.Stream;
        await TargetCodec.WriteRequestAsync(stream.Stream, new TargetRequest(mesh.Echo.Port, IPAddress.Parse("192.0.2.7")), TestTimeout.Token());
        var (status, reason) = await TargetCodec.ReadAnswerAsync(stream.Stream, TestTimeout.Token());
        Assert.Equal(TargetStatus.NotAllowed, status);
        Assert.StartsWith("not_own_address:", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_SaysWhatIsServedAndCounted()
    {
        var b = mesh.B.Status;
        Assert.True(b.Serving);
        Assert.False(b.Authentication);
        Assert.Contains(mesh.Echo.Port, b.AllowedPorts);
        Assert.Equal(mesh.B.Proxy.ToString(), Assert.Single(b.Listeners).Bound);
        var c = mesh.C.Status;
        Assert.True(c.Authentication);
        Assert.Equal(1, c.CredentialsUsers);
        Assert.Null(c.CredentialsProblem);
    }

    /// <summary>A node whose agent runs the tunnel but not proxy.socks5: it does not speak the protocol.</summary>
    private async Task<string> TunnelOnlyNodeAsync()
    {
        var name = "node-plain-" + Guid.NewGuid().ToString("N")[..6];
        var services = await PluginServices.StartAsync(new TunnelLibp2pPlugin(), Path.Combine(mesh.Dir, name), null,
            ("listen:0", "/ip4/127.0.0.1/tcp/0"), ("autonat:enabled", "false"));
        _plain.Add(services);
        var local = services.Get<PluginMesh.Abstractions.Tunnel.ILocalPeer>();
        mesh.Directory_.Add(name, local.PeerId, local.Addresses);
        return name;
    }

    private readonly List<PluginServices> _plain = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var services in _plain) await services.DisposeAsync();
    }
}
