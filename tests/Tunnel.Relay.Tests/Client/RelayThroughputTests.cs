using PluginMesh.P2p;
using System.Diagnostics;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.AutoRelay;
using PluginMesh.Plugins.Tunnel.Relay.Client;
using PluginMesh.Plugins.Tunnel.Relay.Hop;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.Tests.Support;
using Xunit.Abstractions;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Client;

/// <summary>
/// A bulk echo directly and through the C# relay between C# nodes, both checked byte for byte.
/// The MiB/s figures are printed for the record (same run), never asserted. The relayed leg is a raw
/// circuit (the test network double echoes it without an inner Noise/Yamux upgrade).
/// </summary>
public sealed class RelayThroughputTests(ITestOutputHelper output)
{
    private const string EchoProtocol = "/pluginmesh/test/echo/1.0.0";
    private const int Bytes = 32 * 1024 * 1024;

    [Fact]
    public async Task BulkEcho_DirectAndRelayed_BothIntact_ReportsThroughput()
    {
        var ct = TestTimeout.Token(300);
        var clientOnly = new RelayOptions { Relay = RelayOfferMode.Never, AutoRelay = AutoRelayMode.Off };
        await using var relay = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Always, Members = MembershipMode.All });
        await using var b = await RelayNode.StartAsync(clientOnly with { Reserve = [relay.Address] }, Reachability.Private);
        await using var a = await RelayNode.StartAsync(clientOnly);
        using var echo = b.Tunnel.RegisterHandler(EchoProtocol, async (s, token) =>
        {
            var buffer = new byte[64 * 1024];
            int n;
            while ((n = await s.Stream.ReadAsync(buffer, token)) > 0) await s.Stream.WriteAsync(buffer.AsMemory(0, n), token);
            await s.CloseWriteAsync(token);
        });
        await Eventually.TrueAsync(() => b.Service.Reservations!.Reservations.Count == 1, "reserved");

        var watch = Stopwatch.StartNew();
        await using (var direct = await a.Tunnel.OpenStreamAsync(new PeerTarget(PeerId: b.PeerId, Addresses: [b.Address]), EchoProtocol, ct).Opened())
            Assert.Equal(Bytes, await EchoCheck.RunAsync(direct.Stream, () => direct.CloseWriteAsync(ct), Bytes, ct));
        var directSeconds = watch.Elapsed.TotalSeconds;

        watch.Restart();
        await using (var relayed = await new CircuitTransport(a.Tunnel).DialAsync(Multiaddr.Parse($"{relay.Address}/p2p-circuit/p2p/{b.PeerId}"), ct).Connected())
            Assert.Equal(Bytes, await EchoCheck.RunAsync(relayed.Stream, () => ((RelayedConnection)relayed).CloseWriteAsync(ct), Bytes, ct));
        var relayedSeconds = watch.Elapsed.TotalSeconds;

        var mib = Bytes / 1048576.0;
        output.WriteLine($"echo {mib:F0} MiB C#->C#: direct {mib / directSeconds:F1} MiB/s, via C# relay {mib / relayedSeconds:F1} MiB/s ({100 * directSeconds / relayedSeconds:F0}% of direct)");
    }
}
