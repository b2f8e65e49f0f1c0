using PluginMesh.P2p;
using Xunit.Abstractions;
using PluginMesh.Plugins.Tunnel.Relay.Hop;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Interop;

/// <summary>
/// The C# hop service against real js-libp2p 3.3.11 peers (@libp2p/circuit-relay-v2 4.2.13): js B
/// reserves on the C# relay, js A dials B through it, and the echo comes back intact.
/// </summary>
[Collection(JsCollection.Name)]
public sealed class JsRelayInteropTests(JsRelayFixture js, ITestOutputHelper output)
{
    [Fact]
    public async Task Hop_JsReservesAndJsDialsThroughCSharpRelay_MemberEchoIntact()
    {
        var ct = TestTimeout.Token(120);
        await using var relay = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Always, Members = MembershipMode.All });
        await using var b = JsProcess.Start(js, "reserve", "--relay", relay.Address.ToString());
        var ready = await b.NextAsync("ready", ct);
        var circuit = ready.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()!).First();
        Assert.Contains($"/p2p/{relay.PeerId}/p2p-circuit", circuit, StringComparison.Ordinal);
        Assert.Single(relay.Service.Hop!.Reservations);

        await using var a = JsProcess.Start(js, "dial", circuit, "--echo-bytes", (4 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var result = await a.NextAsync(null, ct);
        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.Equal(4 * 1024 * 1024, result.GetProperty("bytes").GetInt64());
        Assert.Equal(ready.GetProperty("peerId").GetString(), result.GetProperty("remotePeer").GetString());
        // A member circuit carries no limit: js treats the connection as unlimited.
        Assert.False(result.GetProperty("limited").GetBoolean());
        Assert.True(relay.Service.Hop.Bytes >= 2 * 4 * 1024 * 1024);
    }

    [Fact]
    public async Task Hop_LargeEcho_RelayedAndDirectBothIntact_ReportsThroughput()
    {
        // Integrity of a bulk transfer through the bridge; the MiB/s figures are printed for the
        // record (same run, same peers), never asserted.
        var ct = TestTimeout.Token(300);
        const int Bytes = 32 * 1024 * 1024;
        await using var relay = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Always, Members = MembershipMode.All });
        await using var b = JsProcess.Start(js, "reserve", "--relay", relay.Address.ToString(), "--listen-tcp");
        var ready = await b.NextAsync("ready", ct);
        var circuit = ready.GetProperty("addrs").EnumerateArray().Select(x => x.GetString()!).First();
        var direct = ready.GetProperty("direct").EnumerateArray().Select(x => x.GetString()!).First(x => x.Contains("/tcp/", StringComparison.Ordinal));

        await using var viaDirect = JsProcess.Start(js, "dial", direct, "--echo-bytes", Bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var directResult = await viaDirect.NextAsync(null, ct);
        await using var viaRelay = JsProcess.Start(js, "dial", circuit, "--echo-bytes", Bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var relayedResult = await viaRelay.NextAsync(null, ct);

        Assert.True(directResult.GetProperty("ok").GetBoolean(), directResult.ToString());
        Assert.True(relayedResult.GetProperty("ok").GetBoolean(), relayedResult.ToString());
        var d = directResult.GetProperty("mibPerSec").GetDouble();
        var r = relayedResult.GetProperty("mibPerSec").GetDouble();
        output.WriteLine($"echo {Bytes >> 20} MiB js->js: direct {d:F1} MiB/s, via C# relay {r:F1} MiB/s ({100 * r / d:F0}% of direct)");
    }

    [Fact]
    public async Task Hop_OutsiderCircuit_IsCutAtTheByteLimit()
    {
        var ct = TestTimeout.Token(120);
        await using var relay = await RelayNode.StartAsync(new RelayOptions
        {
            Relay = RelayOfferMode.Always,
            Members = MembershipMode.None,
            OutsiderLimits = new CircuitLimit(TimeSpan.FromMinutes(2), 128 * 1024),
        });
        await using var b = JsProcess.Start(js, "reserve", "--relay", relay.Address.ToString());
        var ready = await b.NextAsync("ready", ct);
        var circuit = ready.GetProperty("addrs").EnumerateArray().Select(x => x.GetString()!).First();

        await using var a = JsProcess.Start(js, "dial", circuit, "--echo-bytes", (1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var result = await a.NextAsync(null, ct);
        Assert.False(result.GetProperty("ok").GetBoolean(), result.ToString());
        // Never more than the limit in either direction went through the relay.
        await Eventually.TrueAsync(() => relay.Service.Hop!.Circuits == 0, "circuit closed after the cut");
        Assert.True(relay.Service.Hop!.Bytes <= 2 * 128 * 1024, $"relayed {relay.Service.Hop.Bytes} bytes");
    }

    [Fact]
    public async Task Hop_OutsiderSmallEcho_PassesUnderTheLimitAndIsLimited()
    {
        var ct = TestTimeout.Token(120);
        await using var relay = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Always, Members = MembershipMode.None });
        await using var b = JsProcess.Start(js, "reserve", "--relay", relay.Address.ToString());
        var circuit = (await b.NextAsync("ready", ct)).GetProperty("addrs").EnumerateArray().Select(x => x.GetString()!).First();

        await using var a = JsProcess.Start(js, "dial", circuit, "--echo-bytes", "16384");
        var result = await a.NextAsync(null, ct);
        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.True(result.GetProperty("limited").GetBoolean());
    }

    [Fact]
    public async Task Hop_SecondJsPeerOverReservationLimit_IsRefusedAndCannotBeDialed()
    {
        var ct = TestTimeout.Token(120);
        await using var relay = await RelayNode.StartAsync(new RelayOptions
        {
            Relay = RelayOfferMode.Always,
            Members = MembershipMode.All,
            Limits = new HopLimits { MaxReservations = 1 },
        });
        await using var first = JsProcess.Start(js, "reserve", "--relay", relay.Address.ToString());
        await first.NextAsync("ready", ct);
        await using var second = JsProcess.Start(js, "reserve", "--relay", relay.Address.ToString());
        var refused = await second.NextAsync("reserve-failed", ct);
        Assert.Contains("RESERVATION_REFUSED", refused.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Single(relay.Service.Hop!.Reservations);

        var target = refused.GetProperty("peerId").GetString();
        await using var a = JsProcess.Start(js, "dial", $"{relay.Address}/p2p-circuit/p2p/{target}", "--echo-bytes", "1024");
        var result = await a.NextAsync(null, ct);
        Assert.False(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.Contains("NO_RESERVATION", result.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
