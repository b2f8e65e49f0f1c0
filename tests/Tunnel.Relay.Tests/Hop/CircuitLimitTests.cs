using PluginMesh.P2p;
using System.Diagnostics.Metrics;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.AutoRelay;
using PluginMesh.Plugins.Tunnel.Relay.Client;
using PluginMesh.Plugins.Tunnel.Relay.Hop;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Hop;

/// <summary>Per-circuit limits enforced by the C# relay between real libp2p nodes.</summary>
public sealed class CircuitLimitTests
{
    private static readonly RelayOptions ClientOnly = new() { Relay = RelayOfferMode.Never, AutoRelay = AutoRelayMode.Off };

    [Fact]
    public async Task Circuit_OutsiderPastDuration_IsResetAtBothEnds()
    {
        var ct = TestTimeout.Token();
        var time = new ManualTimeProvider();
        await using var relay = await RelayNode.StartAsync(new RelayOptions
        {
            Relay = RelayOfferMode.Always,
            Members = MembershipMode.None,
            OutsiderLimits = new CircuitLimit(TimeSpan.FromMinutes(2), null),
        }, time: time);
        await using var b = await RelayNode.StartAsync(ClientOnly with { Reserve = [relay.Address] }, Reachability.Private);
        await using var a = await RelayNode.StartAsync(ClientOnly);
        var circuit = $"{relay.Address}/p2p-circuit/p2p/{b.PeerId}";
        await Eventually.TrueAsync(() => b.Service.Reservations!.Reservations.Count == 1, "reserved");

        await using var connection = await new CircuitTransport(a.Tunnel).DialAsync(Multiaddr.Parse(circuit), ct).Connected();
        await connection.Stream.WriteAsync(new byte[100], ct);
        var echoed = 0;
        while (echoed < 100) echoed += await connection.Stream.ReadAsync(new byte[100], ct);
        await Eventually.TrueAsync(() => time.TimerCount > 0, "duration timer armed");

        time.Advance(TimeSpan.FromMinutes(2));
        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            var buffer = new byte[16];
            while (await connection.Stream.ReadAsync(buffer, ct) > 0)
            {
            }
            throw new IOException("closed instead of reset");
        });
        await Eventually.TrueAsync(() => relay.Service.Hop!.Circuits == 0, "circuit released");
    }

    [Fact]
    public async Task Circuit_OverPerPeerLimit_IsResourceLimitExceeded_AndCountedAsRefusal()
    {
        var ct = TestTimeout.Token();
        await using var relay = await RelayNode.StartAsync(new RelayOptions
        {
            Relay = RelayOfferMode.Always,
            Members = MembershipMode.All,
            Limits = new HopLimits { MaxCircuitsPerPeer = 1 },
        });
        var refusals = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter == relay.Meter && i.Name == "pluginmesh.relay.refusals") l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            lock (refusals) refusals.Add((string)tags[0].Value!);
        });
        listener.Start();
        await using var b = await RelayNode.StartAsync(ClientOnly with { Reserve = [relay.Address] }, Reachability.Private);
        await using var a = await RelayNode.StartAsync(ClientOnly);
        var circuit = $"{relay.Address}/p2p-circuit/p2p/{b.PeerId}";
        await Eventually.TrueAsync(() => b.Service.Reservations!.Reservations.Count == 1, "reserved");

        await using var first = await new CircuitTransport(a.Tunnel).DialAsync(Multiaddr.Parse(circuit), ct).Connected();
        var second = await new CircuitTransport(a.Tunnel).DialAsync(Multiaddr.Parse(circuit), ct);
        Assert.False(second.Ok);
        Assert.Equal(TunnelFailure.RelayRefused, second.Failure);
        Assert.EndsWith("relay answered RESOURCE_LIMIT_EXCEEDED", second.Error, StringComparison.Ordinal);
        lock (refusals) Assert.Equal(["RESOURCE_LIMIT_EXCEEDED"], refusals);
    }

    [Fact]
    public async Task Circuit_ByteLimit_CarriesExactlyTheLimitThenResets()
    {
        var ct = TestTimeout.Token();
        await using var relay = await RelayNode.StartAsync(new RelayOptions
        {
            Relay = RelayOfferMode.Always,
            Members = MembershipMode.None,
            OutsiderLimits = new CircuitLimit(null, 10_000),
        });
        await using var b = await RelayNode.StartAsync(ClientOnly with { Reserve = [relay.Address] }, Reachability.Private);
        await using var a = await RelayNode.StartAsync(ClientOnly);
        await Eventually.TrueAsync(() => b.Service.Reservations!.Reservations.Count == 1, "reserved");

        await using var connection = await new CircuitTransport(a.Tunnel).DialAsync(Multiaddr.Parse($"{relay.Address}/p2p-circuit/p2p/{b.PeerId}"), ct).Connected();
        var received = 0;
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            try
            {
                int n;
                while ((n = await connection.Stream.ReadAsync(buffer, ct)) > 0) received += n;
            }
            catch (IOException)
            {
            }
        }, ct);
        try
        {
            for (var i = 0; i < 10; i++) await connection.Stream.WriteAsync(new byte[4096], ct);
        }
        catch (IOException)
        {
            // The reset may arrive while we still write.
        }
        await reader;
        Assert.True(received <= 10_000, $"{received} bytes came back through a 10 000-byte circuit");
        await Eventually.TrueAsync(() => relay.Service.Hop!.Circuits == 0, "circuit released");
        Assert.True(relay.Service.Hop!.Bytes <= 20_000);
    }
}
