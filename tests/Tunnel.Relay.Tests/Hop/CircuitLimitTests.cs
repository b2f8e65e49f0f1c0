using PluginMesh.P2p;
using System.Diagnostics.Metrics;
using PluginMesh.Abstractions.Catalog;
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
        var received = await EchoUntilCutAsync(connection, ct);
        Assert.True(received <= 10_000, $"{received} bytes came back through a 10 000-byte circuit");
        await Eventually.TrueAsync(() => relay.Service.Hop!.Circuits == 0, "circuit released");
        Assert.True(relay.Service.Hop!.Bytes <= 20_000);
    }

    [Fact]
    public async Task Circuit_OpenedAsOutsiders_WhoAreBoundBeforeItsLimit_GoesOnUnderMemberLimits()
    {
        // Agents that just started: the circuit opens before the API's bindings of the two ends reach
        // the relay (outsider limits), and they arrive before the byte limit does. The circuit must not
        // be cut at the outsider limit: the mesh's own traffic would be reset for no reason.
        var ct = TestTimeout.Token();
        await using var lab = await OutsiderCircuitLab.StartAsync(ct);
        lab.Bind(lab.A, lab.B);

        const int Total = 40 * 4096;
        var echoed = 0;
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            int n;
            while (echoed < Total && (n = await lab.Connection.Stream.ReadAsync(buffer, ct)) > 0) echoed += n;
        }, ct);
        for (var i = 0; i < 40; i++) await lab.Connection.Stream.WriteAsync(new byte[4096], ct);
        await reader;

        Assert.Equal(Total, echoed);
        Assert.Equal(1, lab.Relay.Service.Hop!.UpgradedCircuits);
        Assert.Equal(1, lab.Relay.Service.Hop.Circuits);
    }

    [Fact]
    public async Task Circuit_OfOutsidersWhoStayOutsiders_IsStillCutAtTheByteLimit()
    {
        var ct = TestTimeout.Token();
        await using var lab = await OutsiderCircuitLab.StartAsync(ct);
        // Only one end is bound: the circuit keeps its outsider limit.
        lab.Bind(lab.A);

        var received = await EchoUntilCutAsync(lab.Connection, ct);
        Assert.True(received <= 10_000, $"{received} bytes came back through a 10 000-byte circuit");
        await Eventually.TrueAsync(() => lab.Relay.Service.Hop!.Circuits == 0, "circuit released");
        Assert.Equal(0, lab.Relay.Service.Hop!.UpgradedCircuits);
    }

    /// <summary>
    /// A relay in <c>members: bound</c> with a PSK (outsiders: 10 000 bytes per direction), b reserved on
    /// it, and a's circuit to b opened while the catalog binds nobody; <see cref="Bind"/> binds later.
    /// </summary>
    private sealed class OutsiderCircuitLab(string psk, SnapshotCatalog catalog, RelayNode relay, RelayNode a, RelayNode b, ITransportConnection connection) : IAsyncDisposable
    {
        public RelayNode Relay => relay;

        public RelayNode A => a;

        public RelayNode B => b;

        public ITransportConnection Connection => connection;

        public static async Task<OutsiderCircuitLab> StartAsync(CancellationToken ct)
        {
            var psk = RelayNode.NewSwarmKey();
            var catalog = new SnapshotCatalog();
            var relay = await RelayNode.StartAsync(new RelayOptions
            {
                Relay = RelayOfferMode.Always,
                OutsiderLimits = new CircuitLimit(null, 10_000),
            }, Reachability.Public, pskFile: psk, catalog: catalog);
            var b = await RelayNode.StartAsync(ClientOnly with { Reserve = [relay.Address] }, Reachability.Private, pskFile: psk);
            var a = await RelayNode.StartAsync(ClientOnly, pskFile: psk);
            await Eventually.TrueAsync(() => b.Service.Reservations!.Reservations.Count == 1, "reserved");
            var connection = await new CircuitTransport(a.Tunnel).DialAsync(Multiaddr.Parse($"{relay.Address}/p2p-circuit/p2p/{b.PeerId}"), ct).Connected();
            return new OutsiderCircuitLab(psk, catalog, relay, a, b, connection);
        }

        /// <summary>The API binds these agents to Nodes of their own (the relay learns it from the catalog).</summary>
        public void Bind(params RelayNode[] nodes) =>
            catalog.PublishNodes([.. nodes.Select((n, i) => new MeshNode($"node-{i}", [], [], Agent: new NodeAgent(n.PeerId, [], false)))]);

        public async ValueTask DisposeAsync()
        {
            await connection.DisposeAsync();
            await a.DisposeAsync();
            await b.DisposeAsync();
            await relay.DisposeAsync();
            Directory.Delete(Path.GetDirectoryName(psk)!, recursive: true);
        }
    }

    /// <summary>Writes 40 KiB through the echoing circuit and counts what comes back until the relay cuts it.</summary>
    private static async Task<int> EchoUntilCutAsync(ITransportConnection connection, CancellationToken ct)
    {
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
        return received;
    }
}
