using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.AutoNat;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;
using PluginMesh.P2p.Encoding;
using PluginMesh.P2p.Protobuf;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.AutoNat;

public sealed class AutoNatProtocolTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-autonat-").FullName;

    [Fact]
    public void Encode_DialTypeZero_IsOnTheWire()
    {
        var bytes = AutoNatMessage.Dial([0x00, 0x01, 0x02], [[0x04, 127, 0, 0, 1]]).Encode();
        Assert.Equal([0x08, 0x00], bytes[..2]);
        var back = AutoNatMessage.Decode(bytes);
        Assert.True(back.HasDial);
        Assert.Equal([0x00, 0x01, 0x02], back.PeerId);
        Assert.Single(back.Addrs);
        var ok = AutoNatMessage.Decode(AutoNatMessage.Response(AutoNatStatus.Ok, "OK").Encode());
        Assert.Equal(AutoNatStatus.Ok, ok.Status);
    }

    [Fact]
    public void Decode_JsRefusal_AsObserved()
    {
        // Bytes a js-libp2p 3.3.11 server sent on loopback (libp2p-interop.md §10), without the length prefix.
        var body = Convert.FromHexString("0801" + "1a19" + "0865" + "1215") .Concat("no dialable addresses"u8.ToArray()).ToArray();
        var m = AutoNatMessage.Decode(body);
        Assert.Equal((AutoNatMessage.TypeDialResponse, AutoNatStatus.DialRefused, "no dialable addresses"), (m.Type, m.Status, m.StatusText));
    }

    [Theory]
    [InlineData("Ranges_Default_192.168.1.1", "192.168.1.1", true)]
    [InlineData("Ranges_Default_100.64.0.1", "100.64.0.1", true)]
    [InlineData("Ranges_Default_203.0.113.9", "203.0.113.9", true)]
    [InlineData("Ranges_Default_8.8.8.8", "8.8.8.8", false)]
    [InlineData("Ranges_Default_fe80::1", "fe80::1", true)]
    public void AddressRanges_Default(string name, string ip, bool isPrivate)
    {
        Assert.NotEmpty(name);
        Assert.Equal(isPrivate, AddressRanges.Default.IsPrivate(IPAddress.Parse(ip)));
        Assert.False(new AddressRanges(AddressRanges.DefaultPrivate, [IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("::/0")]).IsPrivate(IPAddress.Parse(ip)));
    }

    public static TheoryData<string, byte[], string> Malformed => new()
    {
        { "garbage protobuf", [0x03, 0xFF, 0xFF, 0xFF], "malformed message" },
        { "no type", [0x00], "malformed message: autonat: message has no type" },
        { "response instead of dial", [.. LengthPrefix(AutoNatMessage.Response(AutoNatStatus.Ok, "x").Encode())], "expected a DIAL message" },
        { "someone else's peer id", [.. LengthPrefix(AutoNatMessage.Dial(PrivateKey.Generate().PeerId.Multihash, []).Encode())], "peer id mismatch" },
        { "too long", [0xFF, 0xFF, 0x03], "malformed message" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Server_MalformedRequest_BadRequestWithReasonThenClosed(string what, byte[] request, string reason)
    {
        var ct = TestTimeout.Token();
        await using var server = Node("server");
        await server.StartAsync(ct);
        await using var client = await HostFactory.StartAsync();
        var connection = await client.DialAsync(server.Host!.ListenAddresses[0].WithPeerId(server.Host.PeerId), ct);
        var s = await connection.OpenStreamAsync(AutoNatServer.ProtocolId, ct);
        await s.Stream.WriteAsync(request, ct);
        await s.Stream.CloseWriteAsync(ct);
        var response = AutoNatMessage.Decode((await LengthPrefixed.ReadAsync(s.Stream, 4096, ct))!);
        Assert.Equal(AutoNatStatus.BadRequest, response.Status);
        Assert.StartsWith(reason, response.StatusText, StringComparison.Ordinal);
        Assert.Null(await LengthPrefixed.ReadAsync(s.Stream, 4096, ct));
        Assert.False(connection.IsClosed, what + " must not close the connection");
    }

    [Fact]
    public async Task Probe_OnLoopbackWithDefaultRanges_RefusedAndReachabilityStaysUnknown()
    {
        var ct = TestTimeout.Token();
        await using var a = Node("a");
        await using var b = Node("b");
        await a.StartAsync(ct);
        await b.StartAsync(ct);
        var connection = await a.Host!.DialAsync(b.Host!.ListenAddresses[0].WithPeerId(b.Host.PeerId), ct);
        await connection.IdentifyTask.WaitAsync(ct);
        Assert.Contains(AutoNatServer.ProtocolId, connection.RemoteIdentify!.Protocols);
        Assert.Null(await a.AutoNat!.ProbeAsync(ct));
        Assert.Equal("DialRefused", Assert.Single(a.AutoNat.LastAnswers).Value);
        Assert.Equal(Reachability.Unknown, a.Network.Reachability);
    }

    [Fact]
    public async Task Probe_LoopbackTreatedAsPublic_PublicAndEventRaised()
    {
        var ct = TestTimeout.Token();
        var lab = new AutoNatOptions { Ranges = new AddressRanges(AddressRanges.DefaultPrivate, [IPNetwork.Parse("127.0.0.0/8")]), Interval = TimeSpan.FromHours(1) };
        await using var a = Node("a", lab);
        await using var b = Node("b", lab);
        var changed = new TaskCompletionSource<Reachability>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.Network.ReachabilityChanged += r => changed.TrySetResult(r);
        await a.StartAsync(ct);
        await b.StartAsync(ct);
        await a.Host!.DialAsync(b.Host!.ListenAddresses[0].WithPeerId(b.Host.PeerId), ct);
        // No explicit probe: a peer that speaks AutoNAT connecting while reachability is unknown starts a round.
        Assert.Equal(Reachability.Public, await changed.Task.WaitAsync(ct));
        Assert.Equal(Reachability.Public, a.Network.Reachability);
    }

    private static byte[] LengthPrefix(byte[] body) => [(byte)body.Length, .. body];

    private Libp2pNodeService Node(string name, AutoNatOptions? autoNat = null) => new(new Libp2pOptions
    {
        KeyFile = Path.Combine(_dir, name + ".key"),
        Listen = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
        AutoNat = autoNat ?? new AutoNatOptions(),
    }, NullLoggerFactory.Instance);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
