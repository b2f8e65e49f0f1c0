using PluginMesh.P2p;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.AutoRelay;
using PluginMesh.Plugins.Tunnel.Relay.Client;
using PluginMesh.Plugins.Tunnel.Relay.Hop;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.AutoRelay;

public sealed class AutoRelayTests
{
    private static readonly RelayOptions RelayOn = new() { Relay = RelayOfferMode.Always, Members = MembershipMode.All };

    [Fact]
    public async Task AutoRelay_RelayDies_ReservesOnTheOtherAndIsReachableThroughIt()
    {
        var ct = TestTimeout.Token(90);
        var r1 = await RelayNode.StartAsync(RelayOn);
        await using var r2 = await RelayNode.StartAsync(RelayOn);
        try
        {
            await using var b = await RelayNode.StartAsync(new RelayOptions
            {
                Relay = RelayOfferMode.Never,
                AutoRelay = AutoRelayMode.Auto,
                Relays = 1,
                Candidates = [r1.Address, r2.Address],
            }, Reachability.Private);
            await using var a = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never, AutoRelay = AutoRelayMode.Off });
            await Eventually.TrueAsync(() => b.Service.Reservations!.Reservations.Count == 1, "one reservation held");
            var first = b.Service.Reservations!.Reservations[0].RelayPeerId;
            var (dying, survivor) = first == r1.PeerId ? (r1, r2) : (r2, r1);

            await dying.DisposeAsync();
            var circuit = $"{survivor.Address}/p2p-circuit/p2p/{b.PeerId}";
            await Eventually.TrueAsync(() => b.Network!.Announced(ReservationManager.AnnounceSource).SequenceEqual([circuit]), "re-announced through the surviving relay");

            await using var connection = await new CircuitTransport(a.Tunnel).DialAsync(Multiaddr.Parse(circuit), ct).Connected();
            Assert.Equal(4096, await EchoCheck.RunAsync(connection.Stream, () => ((RelayedConnection)connection).CloseWriteAsync(ct), 4096, ct));
            var status = (RelayStatus)new RelayStatusContributor(b.Service, new RelayOptions()).GetStatus();
            Assert.Equal(survivor.PeerId.ToString(), Assert.Single(status.Reservations).Relay);
            Assert.True(status.AutoRelayActive);
        }
        finally
        {
            await r1.DisposeAsync();
        }
    }

    [Fact]
    public async Task AutoRelay_PublicReachability_HoldsNoAutoReservations()
    {
        await using var r1 = await RelayNode.StartAsync(RelayOn);
        await using var b = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never, Candidates = [r1.Address] }, Reachability.Public);
        await b.Service.AutoRelay!.ReconcileAsync(TestTimeout.Token());
        Assert.Empty(b.Service.Reservations!.Reservations);

        b.Network!.SetReachability(Reachability.Private);
        await Eventually.TrueAsync(() => b.Service.Reservations!.Reservations.Count == 1, "reserved once private");
    }

    /// <summary>
    /// A pinned relay that refuses (not elected yet: no hop service) is retried after the 10 s backoff,
    /// not at the 30 s period; once every pinned relay is held the period applies again.
    /// </summary>
    [Fact]
    public async Task PinnedRelayNotHeld_NextRoundAfterTheBackoff_HeldAfterThePeriod()
    {
        await using var notElected = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never });
        await using var b = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never, AutoRelay = AutoRelayMode.Off, Reserve = [notElected.Address] });
        await b.Service.AutoRelay!.ReconcileAsync(TestTimeout.Token());
        Assert.Empty(b.Service.Reservations!.Reservations);
        Assert.Equal(TimeSpan.FromSeconds(10), b.Service.AutoRelay.NextRoundIn);

        await using var relay = await RelayNode.StartAsync(RelayOn);
        await using var c = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never, AutoRelay = AutoRelayMode.Off, Reserve = [relay.Address] });
        await Eventually.TrueAsync(() => c.Service.Reservations!.Reservations.Count == 1, "the offering pinned relay is held");
        Assert.Equal(TimeSpan.FromSeconds(30), c.Service.AutoRelay!.NextRoundIn);
    }

    [Fact]
    public async Task AutoRelay_UnknownReachability_ReservesAtOnce_DropsThemOncePublic()
    {
        // A fresh agent with no traffic of its own: nothing tells AutoNAT anything, yet it must be reachable through a relay.
        await using var r1 = await RelayNode.StartAsync(RelayOn);
        await using var b = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never, Candidates = [r1.Address] }, Reachability.Unknown);
        await Eventually.TrueAsync(() => b.Service.Reservations!.Reservations.Count == 1, "reserved while reachability is unknown");
        Assert.True(b.Service.AutoRelay!.Active);

        b.Network!.SetReachability(Reachability.Public);
        await Eventually.TrueAsync(() => b.Service.Reservations!.Reservations.Count == 0, "reservation dropped once public");
        Assert.False(b.Service.AutoRelay.Active);
    }

    [Fact]
    public void DefaultRank_PrefersFewFailuresThenLowRtt_UnmeasuredLast()
    {
        var none = new Dictionary<string, string>();
        var ranked = AutoRelayService.DefaultRank(
        [
            new RelayCandidate("slow", 50, 0, 0, "config", none),
            new RelayCandidate("unmeasured", null, 0, 0, "config", none),
            new RelayCandidate("fast-but-failing", 1, 2, 0, "config", none),
            new RelayCandidate("fast", 5, 0, 0, "config", none),
        ]);
        Assert.Equal(["fast", "slow", "unmeasured", "fast-but-failing"], ranked);
    }

    [Fact]
    public void RefreshDelay_RefreshesBeforeExpiry()
    {
        var now = DateTimeOffset.UnixEpoch;
        Assert.Equal(TimeSpan.FromMinutes(55), ReservationManager.RefreshDelay(now, now.AddHours(1)));
        Assert.Equal(TimeSpan.FromSeconds(30), ReservationManager.RefreshDelay(now, now.AddMinutes(1)));
        Assert.Equal(TimeSpan.FromSeconds(1), ReservationManager.RefreshDelay(now, now));
    }
}
