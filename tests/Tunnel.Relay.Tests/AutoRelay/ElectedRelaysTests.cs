using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.AutoRelay;
using PluginMesh.Plugins.Tunnel.Relay.Hop;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.AutoRelay;

/// <summary>
/// Issue 13 item 4: a private agent with no relay configured reserves on K elected relays it learns
/// from their directory records (the records the directory plugin writes from each relay's offer),
/// ranked by the shipped relay-selection.js with their published load and a measured RTT; it replaces
/// a relay that dies and leaves one that becomes saturated. Real libp2p nodes on loopback.
/// </summary>
public sealed class ElectedRelaysTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly Host.Policies.PolicyEngine _policy = ShippedPolicies.Create();

    private static Task<RelayNode> StartRelayAsync() =>
        RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Always, Members = MembershipMode.All, AutoRelay = AutoRelayMode.Off });

    /// <summary>The relay's record as a directory would publish it from its <c>relay</c> offer.</summary>
    private static NodeRecord RecordOf(RelayNode relay, double? load = null)
    {
        var offers = relay.LocalPeer!.Offers.ToDictionary(o => o.Service, o => o.Facts);
        if (load is { } l) offers["relay"] = new Dictionary<string, double>(offers["relay"]) { ["load"] = l };
        return new NodeRecord("node-" + relay.PeerId.ToString()[^6..], relay.PeerId, [relay.Node.Host!.ListenAddresses[0]], [], [], 1, DateTimeOffset.MaxValue, new Dictionary<string, string>())
        {
            Offers = offers,
        };
    }

    [Fact]
    public async Task NoRelayConfigured_ReservesOnKElectedRelaysFromTheDirectory_RankedWithLoadAndRtt_ReplacesOneThatDies()
    {
        var relays = new[] { await StartRelayAsync(), await StartRelayAsync(), await StartRelayAsync() };
        try
        {
            var directory = new StaticDirectory([.. relays.Select(r => RecordOf(r))]);
            await using var client = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never }, Reachability.Private, directory: directory, selection: _policy);
            await Eventually.TrueAsync(() => client.Service.Reservations!.Reservations.Count == 2, "reservations on K = 2 elected relays");
            var candidates = client.Service.AutoRelay!.Candidates;
            Assert.Equal(3, candidates.Count);
            // Unconnected candidates were probed: every one has an RTT, and each its published load (idle).
            Assert.All(candidates, c => Assert.True(c.RttMs is > 0, $"{c.Relay.PeerId}: no RTT"));
            Assert.All(candidates, c => Assert.Equal(("directory", 0.0), (c.Source, c.Load)));

            var held = client.Service.Reservations!.Reservations.Select(r => r.RelayPeerId).ToHashSet();
            var dying = relays.First(r => held.Contains(r.PeerId));
            var spare = relays.Single(r => !held.Contains(r.PeerId));
            var lost = System.Diagnostics.Stopwatch.StartNew();
            await dying.DisposeAsync();
            await Eventually.TrueAsync(() => client.Service.Reservations!.Reservations.Any(r => r.RelayPeerId == spare.PeerId)
                && client.Service.Reservations!.Reservations.Count == 2, "the spare elected relay replaces the dead one");
            output.WriteLine($"relay stopped → K reservations again in {lost.ElapsedMilliseconds} ms (including the relay's own shutdown)");
        }
        finally
        {
            foreach (var r in relays) await r.DisposeAsync();
        }
    }

    [Fact]
    public async Task HeldRelaySaturated_ReservationMovesToAClearlyLessLoadedOne()
    {
        await using var busy = await StartRelayAsync();
        await using var idle = await StartRelayAsync();
        var directory = new StaticDirectory([RecordOf(busy)]);
        await using var client = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never, Relays = 1 }, Reachability.Private, directory: directory, selection: _policy);
        await Eventually.TrueAsync(() => client.Service.Reservations!.Reservations.Count == 1, "a reservation on the only relay");

        directory.Put(RecordOf(busy, load: 0.95));
        directory.Put(RecordOf(idle, load: 0.1));
        await client.Service.AutoRelay!.ReconcileAsync(TestTimeout.Token());
        await Eventually.TrueAsync(() => client.Service.Reservations!.Reservations.Select(r => r.RelayPeerId).SequenceEqual([idle.PeerId]), "moved to the idle relay");

        // A relay that is loaded but not clearly worse than the alternative keeps its client.
        directory.Put(RecordOf(idle, load: 0.92));
        directory.Put(RecordOf(busy, load: 0.7));
        await client.Service.AutoRelay.ReconcileAsync(TestTimeout.Token());
        Assert.Equal([idle.PeerId], client.Service.Reservations!.Reservations.Select(r => r.RelayPeerId));
    }

    public void Dispose() => _policy.Dispose();
}
