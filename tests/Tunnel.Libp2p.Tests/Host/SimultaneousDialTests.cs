using System.Diagnostics.Metrics;
using Xunit.Abstractions;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Host;

/// <summary>Two real hosts on loopback that dial each other: both keep one and the same direct connection, and no stream breaks.</summary>
public sealed class SimultaneousDialTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DialEachOtherAtOnce_ManyRounds_SettleOnOneSharedConnection_NoStreamFails()
    {
        const int rounds = 25;
        var duplicates = 0;
        for (var round = 0; round < rounds; round++)
        {
            var ct = TestTimeout.Token();
            await using var a = await HostFactory.StartAsync();
            await using var b = await HostFactory.StartAsync();
            var opened = 0;
            a.ConnectionOpened += _ => Interlocked.Increment(ref opened);

            // Both dial at the same moment and use what they got at once, while the duplicate is being resolved.
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var fromA = Task.Run(async () => { await gate.Task; return await UseAsync(a, b, ct); }, ct);
            var fromB = Task.Run(async () => { await gate.Task; return await UseAsync(b, a, ct); }, ct);
            gate.SetResult();
            Assert.Equal(6 * EchoBytes, await fromA);
            Assert.Equal(6 * EchoBytes, await fromB);

            await Eventually.TrueAsync(() => Live(a).Count == 1 && Live(b).Count == 1, $"round {round}: one connection left on each side");
            var (ca, cb) = (Live(a)[0], Live(b)[0]);
            Assert.Equal(ca.LocalAddress, cb.RemoteAddress); // the same TCP connection on both sides
            Assert.Equal(ca.IsInitiator, !cb.IsInitiator);
            var s = await ca.OpenStreamAsync(EchoProtocol.ProtocolId, ct);
            Assert.Equal(EchoBytes, await EchoClient.RunAsync(s.Stream, EchoBytes, ct));
            if (Volatile.Read(ref opened) > 1) duplicates++;
        }
        output.WriteLine($"{duplicates} of {rounds} rounds made two connections");
        // Not a timing assertion: it only shows the rounds did race (both dials were in flight together).
        Assert.True(duplicates > 0, "no round produced two connections");
    }

    /// <summary>A peer whose agent is not PluginMesh is treated like js-libp2p: no GoAway while streams are open, closed once idle.</summary>
    [Theory]
    [InlineData(null, null)]
    [InlineData("other/1.0", null)]
    [InlineData(null, "other/1.0")]
    [InlineData("other/1.0", "other/1.0")]
    public async Task Duplicate_LoserHasOpenStreams_TheyFinishThenLoserCloses(string? highAgent, string? lowAgent)
    {
        var ct = TestTimeout.Token();
        using var k1 = PrivateKey.Generate();
        using var k2 = PrivateKey.Generate();
        // The higher PeerId dials first, so its connection is the one that loses when the lower one dials back.
        var (highKey, lowKey) = k1.PeerId.Multihash.SequenceCompareTo(k2.PeerId.Multihash) > 0 ? (k1, k2) : (k2, k1);
        await using var high = await StartAsync(highKey, highAgent);
        await using var low = await StartAsync(lowKey, lowAgent);
        var first = await high.DialAsync(HostFactory.DialAddress(low), ct);
        await Eventually.TrueAsync(() => Live(low).Count == 1, "the listener registered the first connection");
        var firstAtLow = Live(low)[0];
        var outbound = (await first.OpenStreamAsync(EchoProtocol.ProtocolId, ct)).Stream;
        var inbound = (await firstAtLow.OpenStreamAsync(EchoProtocol.ProtocolId, ct)).Stream;
        // Half of each echo now, the rest after the duplicate was resolved.
        var outboundEcho = EchoInTwoHalvesAsync(outbound, ct, out var outboundHalfway, out var resumeOutbound);
        var inboundEcho = EchoInTwoHalvesAsync(inbound, ct, out var inboundHalfway, out var resumeInbound);
        await Task.WhenAll(outboundHalfway, inboundHalfway);

        // Without /p2p/ the dial does not reuse the existing connection: a second one, the other way.
        var second = await low.DialAsync(high.ListenAddresses[0], ct);
        Assert.Same(second, Live(low).Single(c => c.IsInitiator));
        await Eventually.TrueAsync(() => first.ReplacedBy is not null && firstAtLow.ReplacedBy is not null, "both sides retired the first connection");
        Assert.Equal(second.LocalAddress, first.ReplacedBy!.RemoteAddress);
        Assert.Same(second, firstAtLow.ReplacedBy);
        Assert.False(first.IsClosed); // its streams are still open

        // New streams asked of the retired connection go to the survivor.
        var redirected = await first.OpenStreamAsync(EchoProtocol.ProtocolId, ct);
        Assert.Same(first.ReplacedBy, redirected.Connection);
        Assert.Equal(1000, await EchoClient.RunAsync(redirected.Stream, 1000, ct));

        resumeOutbound.SetResult();
        resumeInbound.SetResult();
        Assert.Equal(EchoBytes, await outboundEcho);
        Assert.Equal(EchoBytes, await inboundEcho);
        await first.Session.Completion.WaitAsync(ct);
        await firstAtLow.Session.Completion.WaitAsync(ct);
        // Whichever side finished first closed it; the other may have seen the close before its own check.
        Assert.Contains("drained", new[] { first.Session.CloseReason, firstAtLow.Session.CloseReason });
        Assert.Single(Live(high));
        Assert.Single(Live(low));
    }

    [Fact]
    public async Task AutoNatDialBack_FromAPeerThatSortsFirst_NeverTakesOverTheConnectionInUse_OneThatStaysIsReconciledAfter()
    {
        var ct = TestTimeout.Token();
        using var k1 = PrivateKey.Generate();
        using var k2 = PrivateKey.Generate();
        // The asker has the higher PeerId: a connection the server dials sorts before the one the asker dialed.
        var (highKey, lowKey) = k1.PeerId.Multihash.SequenceCompareTo(k2.PeerId.Multihash) > 0 ? (k1, k2) : (k2, k1);
        await using var asker = await StartAsync(highKey, null);
        await using var server = await StartAsync(lowKey, null);
        var inUse = await asker.DialAsync(HostFactory.DialAddress(server), ct);
        await Eventually.TrueAsync(() => Live(server).Count == 1, "the server registered the connection");

        // 1. The dial-back as AutoNatServer makes it: dialed, upgraded, closed at once. While the asker
        //    waits for the answer, the connection in use keeps every stream.
        using (asker.ExpectDialBack(server.PeerId))
        {
            var dialBack = await server.DialTcpAsync(asker.ListenAddresses[0], asker.PeerId, null, ct);
            await Eventually.TrueAsync(() => Live(asker).Count == 2, "the asker registered the dial-back");
            Assert.Null(inUse.ReplacedBy);
            Assert.Same(inUse, asker.GetConnection(server.PeerId));
            var during = await inUse.OpenStreamAsync(EchoProtocol.ProtocolId, ct);
            Assert.Same(inUse, during.Connection);
            await dialBack.DisposeAsync();
            Assert.Equal(EchoBytes, await EchoClient.RunAsync(during.Stream, EchoBytes, ct));
        }
        await Eventually.TrueAsync(() => Live(asker).Count == 1, "the dial-back closed");
        Assert.Null(inUse.ReplacedBy);
        Assert.Equal(1000, await EchoClient.RunAsync((await inUse.OpenStreamAsync(EchoProtocol.ProtocolId, ct)).Stream, 1000, ct));

        // 2. A connection from the server that arrives in the window and stays (an ordinary dial, registered
        //    on both sides) is left alone until the answer, then resolved as any duplicate: it wins, the
        //    old one drains, both sides keep the same one.
        Libp2pConnection stays;
        using (asker.ExpectDialBack(server.PeerId))
        {
            stays = await server.DialAsync(asker.ListenAddresses[0], ct);
            await Eventually.TrueAsync(() => Live(asker).Count == 2, "the asker registered the new connection");
            Assert.Null(inUse.ReplacedBy);
        }
        await Eventually.TrueAsync(() => inUse.ReplacedBy is not null, "the asker resolved the duplicate once the window ended");
        await Eventually.TrueAsync(() => Live(asker).Count == 1 && Live(server).Count == 1, "one connection left on each side");
        Assert.Equal(stays.LocalAddress, Live(asker)[0].RemoteAddress);
    }

    [Fact]
    public async Task PerPeerLimit_ExtraInboundFromSamePeerIsRefusedCounted_ExistingKeepsWorking()
    {
        using var meter = new Meter("test.libp2p." + Guid.NewGuid());
        var refusedPerPeer = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) => { if (i.Meter == meter) l.EnableMeasurementEvents(i); };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) =>
        {
            if (i.Name != "pluginmesh.libp2p.connections.refused") return;
            foreach (var tag in tags)
            {
                if (tag is { Key: "limit", Value: "per_peer" }) Interlocked.Add(ref refusedPerPeer, v);
            }
        });
        listener.Start();
        using var key = PrivateKey.Generate();
        await using var server = new Libp2pHost(new Libp2pHostOptions
        {
            Identity = key,
            ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
            MaxConnectionsPerPeer = 1,
            Meter = meter,
        });
        await server.StartAsync();
        await using var client = await HostFactory.StartAsync(listen: false);
        var ct = TestTimeout.Token();
        await client.DialAsync(HostFactory.DialAddress(server), ct);
        await Eventually.TrueAsync(() => Live(server).Count == 1, "the server registered the first connection");
        // Without /p2p/ a dial always makes a new connection, a second one from the same peer.
        await client.DialAsync(server.ListenAddresses[0], ct);
        await Eventually.TrueAsync(() => Interlocked.Read(ref refusedPerPeer) == 1, "the refusal was counted");
        await Eventually.TrueAsync(() => Live(client).Count == 1 && client.GetConnection(server.PeerId) is not null, "the client is back to one usable connection");
        Assert.Single(Live(server));
        var s = await client.OpenStreamAsync(HostFactory.DialAddress(server), EchoProtocol.ProtocolId, ct);
        Assert.Equal(10_000, await EchoClient.RunAsync(s.Stream, 10_000, ct));
    }

    [Fact]
    public async Task RelayedThenDirect_ToOnePeer_BothKept_DirectPreferred()
    {
        var ct = TestTimeout.Token();
        var relay = new PipeTransport();
        using var relayKey = PrivateKey.Generate();
        await using var server = await HostFactory.StartAsync();
        await using var client = new Libp2pHost(new Libp2pHostOptions { Identity = PrivateKey.Generate(), Transports = () => [relay] });
        await client.StartAsync(ct);
        relay.Connect = async addr =>
        {
            var (dialer, target) = await SocketPair.StreamsAsync();
            _ = server.AcceptInboundAsync(target, Multiaddr.Parse("/p2p-circuit"), Multiaddr.Parse($"/ip4/192.0.2.1/tcp/4001/p2p/{relayKey.PeerId}/p2p-circuit/p2p/{client.PeerId}"), PathKind.Relayed, ct);
            return dialer;
        };
        var relayed = await client.DialAsync(Multiaddr.Parse($"/ip4/192.0.2.1/tcp/4001/p2p/{relayKey.PeerId}/p2p-circuit/p2p/{server.PeerId}"), ct);
        Assert.Equal(PathKind.Relayed, relayed.Path);
        var direct = await client.DialAsync(HostFactory.DialAddress(server), ct);
        Assert.NotSame(relayed, direct);
        await Eventually.TrueAsync(() => Live(server).Count == 2, "the server has both");
        await Task.WhenAll(relayed.IdentifyTask, direct.IdentifyTask).WaitAsync(ct);
        Assert.All(Live(client).Concat(Live(server)), c => Assert.Null(c.ReplacedBy));
        Assert.Same(direct, client.GetConnection(server.PeerId));
        var s = await relayed.OpenStreamAsync(EchoProtocol.ProtocolId, ct);
        Assert.Same(relayed, s.Connection);
        Assert.Equal(1000, await EchoClient.RunAsync(s.Stream, 1000, ct));
    }

    [Fact]
    public async Task SharedDial_FailedAttemptIsForgotten_NextDialToSamePeerSucceeds()
    {
        var ct = TestTimeout.Token();
        await using var server = await HostFactory.StartAsync();
        await using var client = await HostFactory.StartAsync(listen: false);
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var dead = Multiaddr.Parse($"/ip4/127.0.0.1/tcp/{((System.Net.IPEndPoint)probe.LocalEndpoint).Port}").WithPeerId(server.PeerId);
        probe.Stop();
        // On loopback the refusal may come back synchronously, before the attempt was even registered.
        for (var i = 0; i < 3; i++) await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => client.DialAsync(dead, ct));
        var connection = await client.DialAsync(HostFactory.DialAddress(server), ct);
        Assert.Equal(server.PeerId, connection.RemotePeerId);
    }

    private const int EchoBytes = 64 * 1024;

    private static async Task<Libp2pHost> StartAsync(PrivateKey key, string? agent)
    {
        var options = new Libp2pHostOptions { Identity = key, ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] };
        var host = new Libp2pHost(agent is null ? options : options with { AgentVersion = agent });
        await host.StartAsync();
        return host;
    }

    private static List<Libp2pConnection> Live(Libp2pHost host) => [.. host.Connections.Where(c => !c.IsClosed)];

    /// <summary>Dials the other host and runs six echo streams through what it returns and through the host (path choice), all at once.</summary>
    private static async Task<long> UseAsync(Libp2pHost self, Libp2pHost other, CancellationToken ct)
    {
        var connection = await self.DialAsync(HostFactory.DialAddress(other), ct);
        var viaConnection = Enumerable.Range(0, 3).Select(async _ =>
        {
            var s = await connection.OpenStreamAsync(EchoProtocol.ProtocolId, ct);
            return await EchoClient.RunAsync(s.Stream, EchoBytes, ct);
        });
        var viaHost = Enumerable.Range(0, 3).Select(async _ =>
        {
            var s = await self.OpenStreamAsync(HostFactory.DialAddress(other), EchoProtocol.ProtocolId, ct);
            return await EchoClient.RunAsync(s.Stream, EchoBytes, ct);
        });
        return (await Task.WhenAll(viaConnection.Concat(viaHost))).Sum();
    }

    /// <summary>Echoes <see cref="EchoBytes"/>: the first half at once (then <paramref name="halfway"/> completes), the rest after <paramref name="resume"/>.</summary>
    private static Task<long> EchoInTwoHalvesAsync(YamuxStream stream, CancellationToken ct, out Task halfway, out TaskCompletionSource resume)
    {
        var half = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        halfway = half.Task;
        resume = go;
        return Task.Run(async () =>
        {
            var back = new byte[EchoBytes];
            await stream.WriteAsync(EchoPattern.Block[..(EchoBytes / 2)], ct);
            await stream.ReadExactlyAsync(back.AsMemory(0, EchoBytes / 2), ct);
            half.SetResult();
            await go.Task.WaitAsync(ct);
            await stream.WriteAsync(EchoPattern.Block[(EchoBytes / 2)..EchoBytes], ct);
            await stream.CloseWriteAsync(ct);
            await stream.ReadExactlyAsync(back.AsMemory(EchoBytes / 2), ct);
            Assert.Equal(0, await stream.ReadAsync(new byte[1], ct));
            Assert.Equal(-1, EchoPattern.FindMismatch(back, 0));
            return (long)back.Length;
        }, ct);
    }
}
