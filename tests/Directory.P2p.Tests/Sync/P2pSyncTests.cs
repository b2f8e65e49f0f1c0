using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Directory.P2p.Protocol;
using PluginMesh.Plugins.Directory.P2p.Records;
using PluginMesh.Plugins.Directory.P2p.Tests.Support;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Sync;

/// <summary>Directory sync between real libp2p nodes on loopback (tunnel.libp2p's public API).</summary>
public sealed class P2pSyncTests : IDisposable
{
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("pm-directory-p2p-").FullName;

    [Fact]
    public async Task Connect_ThenAddressChange_RecordsPropagateByExchangeAndPush()
    {
        await using var a = await TestNode.StartAsync(_dir, "node-a");
        await using var b = await TestNode.StartAsync(_dir, "node-b");
        await a.ConnectAsync(b);
        // PeerConnected → exchange: each learns the other.
        await Eventually.TrueAsync(() => a.Store.Resolve("node-b")?.PeerId.ToString() == b.PeerId && b.Store.Resolve("node-a")?.PeerId.ToString() == a.PeerId, "exchange on connect");
        Assert.Equal(b.Address, a.Store.Resolve("node-b")!.DirectAddresses[0].ToString());

        var before = a.Store.Resolve("node-b")!.Sequence;
        var circuit = "/ip4/127.0.0.1/tcp/1/p2p/" + a.PeerId + "/p2p-circuit/p2p/" + b.PeerId;
        b.AddAddress(circuit);
        await Eventually.TrueAsync(() => a.Store.Resolve("node-b")!.RelayAddresses.Texts().Contains(circuit), "push of the new relay address");
        Assert.True(a.Store.Resolve("node-b")!.Sequence > before);

        // Status shows where each record came from and the last conversation with the peer.
        var status = new DirectoryStatusContributor(a.Store, a.Tracker, TimeProvider.System).Build();
        var own = Assert.Single(status.Records, r => r.Node == "node-a");
        Assert.Equal("local", own.Source);
        var learned = Assert.Single(status.Records, r => r.Node == "node-b");
        Assert.Equal("peer:" + b.PeerId, learned.Source);
        Assert.True(learned.Chosen);
        Assert.False(learned.Stale);
        Assert.Contains(b.PeerId, status.LastSync.Keys);
        Assert.Null(status.LastSync[b.PeerId].Error);
        Assert.Empty(status.Conflicts);
    }

    [Fact]
    public async Task MissedUpdate_ConvergesThroughPeriodicAntiEntropy()
    {
        // B has no peer-network events: it cannot push and never starts an exchange itself.
        // Only A's periodic anti-entropy can bring B's update over.
        await using var a = await TestNode.StartAsync(_dir, "ae-a", options: DirectoryOptions.Default with { SyncInterval = TimeSpan.FromSeconds(1) });
        await using var b = await TestNode.StartAsync(_dir, "ae-b", withNetwork: false);
        await a.ConnectAsync(b);
        await Eventually.TrueAsync(() => a.Store.Resolve("ae-b") is not null, "first exchange");
        var first = a.Store.Resolve("ae-b")!.Sequence;

        b.AddAddress("/ip4/192.0.2.7/tcp/4001/p2p/" + b.PeerId);
        await Eventually.TrueAsync(() => b.Store.Resolve("ae-b")!.Sequence > first, "B republished");
        var updated = b.Store.Resolve("ae-b")!.Sequence;
        await Eventually.TrueAsync(() => a.Store.Resolve("ae-b")!.Sequence == updated, "A converged by anti-entropy");
        Assert.Contains("/ip4/192.0.2.7/tcp/4001/p2p/" + b.PeerId, a.Store.Resolve("ae-b")!.DirectAddresses.Texts());
        Assert.Equal("exchange", a.Tracker.Get(b.PeerId)!.Kind);
    }

    [Fact]
    public async Task ThreeNodes_RecordsGossipAcrossTheChain()
    {
        await using var a = await TestNode.StartAsync(_dir, "chain-a");
        await using var b = await TestNode.StartAsync(_dir, "chain-b");
        await using var c = await TestNode.StartAsync(_dir, "chain-c");
        await a.ConnectAsync(b);
        await c.ConnectAsync(b);
        await Eventually.TrueAsync(() => c.Store.Resolve("chain-a")?.PeerId.ToString() == a.PeerId && a.Store.Resolve("chain-c")?.PeerId.ToString() == c.PeerId, "A and C know each other through B");

        var address = "/ip4/198.51.100.1/tcp/4001/p2p/" + a.PeerId;
        a.AddAddress(address);
        await Eventually.TrueAsync(() => c.Store.Resolve("chain-a")!.DirectAddresses.Texts().Contains(address), "A's update forwarded by B to C");
    }

    [Fact]
    public async Task MaliciousPeer_ForgedAndReplayedRecords_RejectedAndNotForwarded()
    {
        await using var a = await TestNode.StartAsync(_dir, "mal-a");
        await using var b = await TestNode.StartAsync(_dir, "mal-b");
        await using var c = await TestNode.StartAsync(_dir, "mal-c");
        await using var m = await TestNode.StartAsync(_dir, "mal-m", directory: false);
        await a.ConnectAsync(b);
        await c.ConnectAsync(b);
        await Eventually.TrueAsync(() => c.Store.Resolve("mal-a")?.PeerId.ToString() == a.PeerId, "C knows A");
        var genuine = b.Store.Resolve("mal-a")!;

        // M forges A's record (new address, old signature) and replays an older, validly signed one.
        var current = RecordCodec.Decode(RecordCodec.Encode(b.Store.NewerThan([]).Single(r => r.Record.PeerId.ToString() == a.PeerId)));
        var forged = current with { Body = RecordCodec.EncodeBody(current.Record with { Sequence = current.Record.Sequence + 1, DirectAddresses = [Multiaddr.Parse("/ip4/6.6.6.6/tcp/1")] }, current.PublicKey) };
        var replay = RecordCodec.Sign(current.Record with { Sequence = current.Record.Sequence - 1 }, current.PublicKey, d => a.Node.Identity.Sign(d));
        await using (var s = await m.Tunnel.OpenStreamAsync(new PeerTarget(PeerId: PeerId.Parse(b.PeerId), Addresses: [Multiaddr.Parse(b.Address)]), DirectoryProtocol.ProtocolId, TestTimeout.Token()).Opened())
        {
            await FrameIo.WriteAsync(s.Stream, MessageCodec.EncodeRecords([forged, replay]), TestTimeout.Token());
            await s.CloseWriteAsync(TestTimeout.Token());
            try
            {
                Assert.Null(await FrameIo.ReadAsync(s.Stream, TestTimeout.Token())); // B read it all and closed cleanly
            }
            catch (IOException e)
            {
                throw new Xunit.Sdk.XunitException($"B reset the push stream ({e.Message}); B's view: {b.Tracker.Get(m.PeerId)}");
            }
        }
        await Eventually.TrueAsync(() => b.Store.RejectedCounts.GetValueOrDefault("bad_signature") == 1 && b.Store.RejectedCounts.GetValueOrDefault("stale_sequence") == 1, "B rejected both");
        Assert.Equal(genuine.Sequence, b.Store.Resolve("mal-a")!.Sequence);
        Assert.Equal(genuine.DirectAddresses, b.Store.Resolve("mal-a")!.DirectAddresses);

        // Garbage closes the stream with a reason; B keeps serving.
        await using (var s = await m.Tunnel.OpenStreamAsync(new PeerTarget(PeerId: PeerId.Parse(b.PeerId)), DirectoryProtocol.ProtocolId, TestTimeout.Token()).Opened())
        {
            await FrameIo.WriteAsync(s.Stream, new byte[] { 0x42, 1, 2, 3 }, TestTimeout.Token());
            var error = MessageCodec.Decode((await FrameIo.ReadAsync(s.Stream, TestTimeout.Token()))!);
            Assert.Equal(MessageType.Error, error.Type);
            Assert.Contains("unknown", error.Error, StringComparison.Ordinal);
        }

        // A genuine update after the attack still flows A → B → C, and C never saw the forgeries.
        var address = "/ip4/198.51.100.2/tcp/4001/p2p/" + a.PeerId;
        a.AddAddress(address);
        await Eventually.TrueAsync(() => c.Store.Resolve("mal-a")!.DirectAddresses.Texts().Contains(address), "genuine update reached C");
        Assert.Empty(c.Store.RejectedCounts);
        Assert.DoesNotContain("/ip4/6.6.6.6/tcp/1", c.Store.Resolve("mal-a")!.DirectAddresses.Texts());
    }

    [Fact]
    public async Task ImpostorClaimsNodeName_ConflictSurfacedHolderKept()
    {
        await using var a = await TestNode.StartAsync(_dir, "same-name");
        await using var b = await TestNode.StartAsync(_dir, "observer");
        await a.ConnectAsync(b);
        await Eventually.TrueAsync(() => b.Store.Resolve("same-name")?.PeerId.ToString() == a.PeerId, "B knows the holder");

        await using var impostor = await TestNode.StartAsync(_dir, "same-name", keyName: "impostor");
        await impostor.ConnectAsync(b);
        await Eventually.TrueAsync(() => b.Store.Conflicts.Count == 1, "conflict surfaced at B");
        var conflict = b.Store.Conflicts[0];
        Assert.Equal("same-name", conflict.NodeName);
        Assert.Equal(a.PeerId, conflict.Chosen.ToString());
        Assert.Contains(impostor.PeerId, conflict.PeerIds.Texts());
        Assert.Equal(a.PeerId, b.Store.Resolve("same-name")!.PeerId.ToString());
        Assert.Equal(impostor.PeerId, b.Store.ResolvePeer(PeerId.Parse(impostor.PeerId))!.PeerId.ToString());
    }

    public void Dispose() => System.IO.Directory.Delete(_dir, recursive: true);
}
