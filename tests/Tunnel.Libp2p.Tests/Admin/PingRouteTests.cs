using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Directory;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Libp2p.Admin;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Admin;

/// <summary>
/// The agent's <c>/ping</c> route and <c>peers</c> status section (this plugin's since they left the
/// host), on two real nodes over 127.0.0.1. The route reaches only peers the agent knows.
/// </summary>
public sealed class PingRouteTests : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-ping-").FullName;
    private readonly Libp2pNodeService _a;
    private readonly Libp2pNodeService _b;

    public PingRouteTests()
    {
        _a = Node("a");
        _b = Node("b");
    }

    [Fact]
    public async Task ConnectedPeer_PathAndRtts()
    {
        await StartAsync();
        await _a.Host!.DialAsync(BAddress, TestTimeout.Token());
        var (code, body) = await PingAsync(new TestServices(), ("target", _b.LocalPeer.PeerId.ToString()), ("count", "2"));
        Assert.Equal(200, code);
        Assert.True(body.GetProperty("ok").GetBoolean(), body.ToString());
        Assert.Equal(_b.LocalPeer.PeerId.ToString(), body.GetProperty("peerId").GetString());
        Assert.Equal("direct", body.GetProperty("path").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("via").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("viaNode").ValueKind);
        Assert.Equal(2, body.GetProperty("rttMs").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("node").ValueKind);
    }

    [Fact]
    public async Task NodeNameTheDirectoryKnows_DialedThroughItsRecord_NamedInTheAnswer()
    {
        await StartAsync();
        var directory = new FakeDirectory(FakeDirectory.Record("node-b", _b.LocalPeer.PeerId, [BAddress.ToString()], []));
        var (code, body) = await PingAsync(new TestServices().Add<INodeDirectory>(directory), ("target", "node-b"), ("count", "1"));
        Assert.Equal(200, code);
        Assert.Equal("node-b", body.GetProperty("node").GetString());
        Assert.Single(body.GetProperty("rttMs").EnumerateArray());
    }

    [Fact]
    public async Task Multiaddr_Refused400_PointingToP2pPing_NothingDialed()
    {
        await StartAsync();
        var target = BAddress.WithPeerId(_b.LocalPeer.PeerId).ToString();
        var (code, body) = await PingAsync(new TestServices(), ("target", target));
        Assert.Equal(400, code);
        Assert.False(body.GetProperty("ok").GetBoolean());
        Assert.Contains($"'pluginmesh p2p ping {target}'", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        await Task.Delay(200);
        Assert.Empty(_a.Host!.Connections);
        Assert.Empty(_b.Host!.Connections);
    }

    [Fact]
    public async Task PeerIdNobodyKnows_502Unresolved_NothingDialed()
    {
        await StartAsync();
        var (code, body) = await PingAsync(new TestServices(), ("target", _b.LocalPeer.PeerId.ToString()));
        Assert.Equal(502, code);
        Assert.Equal("Unresolved", body.GetProperty("failure").GetString());
        Assert.Empty(_a.Host!.Connections);
    }

    [Theory]
    [InlineData(null, "1", "target is required")]
    [InlineData("node-b", "many", "count 'many' is not a whole number")]
    public async Task BadQuery_400(string? target, string count, string error)
    {
        await StartAsync();
        var query = new List<(string, string)> { ("count", count) };
        if (target is not null) query.Add(("target", target));
        var (code, body) = await PingAsync(new TestServices(), [.. query]);
        Assert.Equal(400, code);
        Assert.StartsWith(error, body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm/p2p-circuit/p2p/12D3KooWRkZhiRhsqmrQ28rt73K7V3aCBpqKrLGSXmZ99PTcTZby", "12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm")]
    [InlineData("/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWRkZhiRhsqmrQ28rt73K7V3aCBpqKrLGSXmZ99PTcTZby", null)]
    public void RelayPeerId_FindsTheRelayInACircuitAddress(string address, string? relay) =>
        // What /ping reports as "via" for a relayed path (the core's circuit helper).
        Assert.Equal(relay, Multiaddr.Parse(address).RelayPeerId?.ToString());

    [Fact]
    public async Task PeersSection_LiveConnections_NamedByTheDirectory()
    {
        await StartAsync();
        await _a.Host!.DialAsync(BAddress, TestTimeout.Token());
        var directory = new FakeDirectory(FakeDirectory.Record("node-b", _b.LocalPeer.PeerId, [], []));
        var section = new PeersStatus(_a.Network, new TestServices().Add<INodeDirectory>(directory));
        Assert.Equal("peers", section.Section);
        var status = JsonSerializer.SerializeToElement(section.GetStatus(), JsonSerializerOptions.Web);
        Assert.Equal("unknown", status.GetProperty("reachability").GetString());
        var connection = Assert.Single(status.GetProperty("connections").EnumerateArray());
        Assert.Equal("node-b", connection.GetProperty("node").GetString());
        Assert.Equal(_b.LocalPeer.PeerId.ToString(), connection.GetProperty("peerId").GetString());
        Assert.Equal(("direct", "outbound"), (connection.GetProperty("path").GetString(), connection.GetProperty("direction").GetString()));
    }

    private Multiaddr BAddress => _b.Host!.ListenAddresses[0];

    private async Task StartAsync()
    {
        await _a.StartAsync(TestTimeout.Token());
        await _b.StartAsync(TestTimeout.Token());
    }

    private async Task<(int Code, JsonElement Body)> PingAsync(TestServices services, params (string Key, string Value)[] query)
    {
        var route = new PingRoute(new MeshTunnel(_a, services), _a.Network, services);
        Assert.Equal("/ping", route.Path);
        var answer = await route.GetAsync(query.ToDictionary(q => q.Key, q => q.Value, StringComparer.OrdinalIgnoreCase), TestTimeout.Token());
        return (answer.StatusCode, JsonSerializer.SerializeToElement(answer.Body, JsonSerializerOptions.Web));
    }

    private Libp2pNodeService Node(string name) => new(new Libp2pOptions
    {
        KeyFile = Path.Combine(_dir, name + ".key"),
        Listen = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
    }, NullLoggerFactory.Instance);

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
