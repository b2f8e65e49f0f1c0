using System.Net;
using System.Net.Sockets;
using PluginMesh.Plugins.Directory.P2p.Protocol;
using PluginMesh.Plugins.Directory.P2p.Records;
using PluginMesh.Plugins.Directory.P2p.Store;
using PluginMesh.Plugins.Directory.P2p.Sync;
using PluginMesh.Plugins.Directory.P2p.Tests.Support;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Sync;

/// <summary>
/// Range sync between two real stores: over a loopback TCP connection (the exchange's own code on
/// both ends), between real libp2p nodes (version 2 spoken, version 1 still understood), and
/// malformed RECONCILE frames rejected with an error naming what was wrong.
/// </summary>
[Collection(HeapMeasured.Name)] // the 20 000-record test would skew FloodTests' heap figure
public sealed class RangeSyncTests : IDisposable
{
    private readonly ManualTime _time = new(TestRecords.Now);
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("pm-range-sync-").FullName;

    [Fact]
    public async Task TwoStoresWithDifferences_OneExchangeConverges_ThenOneFingerprintRound()
    {
        var keys = Enumerable.Range(0, 400).Select(_ => PrivateKey.Generate()).ToArray();
        using var meter = new System.Diagnostics.Metrics.Meter("test.range." + Guid.NewGuid().ToString("N"));
        var frames = MeterProbe.Count(meter, "pluginmesh.directory.reconcile_frames", null);
        var a = Stores.Create(_time, meter: meter);
        var b = Stores.Create(_time);
        for (var i = 0; i < 300; i++) await Offer(a, keys[i], i, i is >= 150 and < 200 ? 3 : 1);
        for (var i = 100; i < 400; i++) await Offer(b, keys[i], i, i is >= 100 and < 150 ? 2 : 1);

        var (initiated, served) = await ExchangeAsync(a, b);

        Assert.Equal(Held(a), Held(b));
        Assert.Equal(400, a.Count);
        for (var i = 0; i < 400; i++) Assert.Equal(i is >= 150 and < 200 ? 3 : i is >= 100 and < 150 ? 2 : 1, a.LastSequence(keys[i].PeerId.ToString()));
        // Each record went once, the way it was missing.
        Assert.Equal(100 + 50, initiated.Sent); // 0..99 and the newer 150..199
        Assert.Equal(100 + 50, served.Sent); // 300..399 and the newer 100..149
        Assert.Equal(150, initiated.Accepted);
        Assert.Equal(150, served.Accepted);

        var framesBefore = frames();
        var (again, againServed) = await ExchangeAsync(a, b);
        Assert.Equal(1, frames() - framesBefore); // A's one fingerprint
        Assert.Equal(new ExchangeCounts(0, 0, 0, Rounds: 1), again);
        Assert.Equal(new ExchangeCounts(0, 0, 0, Rounds: 1), againServed);

        // One side moves on: only that record crosses.
        await Offer(b, keys[7], 7, 5);
        var (third, thirdServed) = await ExchangeAsync(a, b);
        Assert.Equal(1, third.Accepted);
        Assert.Equal(1, thirdServed.Sent);
        Assert.Equal(0, third.Sent);
        Assert.Equal(5, a.LastSequence(keys[7].PeerId.ToString()));
    }

    [Fact]
    public async Task DefaultCap_20000Records_FromEmptyInOneExchange_ThenOneFingerprint()
    {
        // The default store (only admission opened: one sender may not hand over 20 000 new PeerIds at once).
        var options = StoreOptions.Default with { Admission = AdmissionOptions.Unlimited };
        var full = Stores.Create(_time, options: options);
        var empty = Stores.Create(_time, options: options);
        var records = Enumerable.Range(0, 20_000).AsParallel().Select(i =>
        {
            using var key = PrivateKey.Generate();
            return TestRecords.Signed(key, "edge-" + i, 1);
        }).ToList();
        foreach (var r in records) await full.AcceptAsync(r, "peer:seed", CancellationToken.None);
        Assert.Equal(20_000, full.Count);

        var (initiated, served) = await ExchangeAsync(empty, full);
        Assert.Equal(20_000, empty.Count);
        Assert.Equal(20_000, initiated.Accepted);
        Assert.Equal(20_000, served.Sent);
        var (again, _) = await ExchangeAsync(empty, full);
        Assert.Equal(new ExchangeCounts(0, 0, 0, Rounds: 1), again);
    }

    [Fact]
    public async Task EmptyInitiator_ReceivesEverything()
    {
        var a = Stores.Create(_time);
        var b = Stores.Create(_time);
        var keys = Enumerable.Range(0, 100).Select(_ => PrivateKey.Generate()).ToArray();
        for (var i = 0; i < keys.Length; i++) await Offer(b, keys[i], i, 1);
        var (initiated, served) = await ExchangeAsync(a, b);
        Assert.Equal(100, initiated.Accepted);
        Assert.Equal(100, served.Sent);
        Assert.Equal(Held(a), Held(b));
    }

    public static TheoryData<string, byte[]> Malformed()
    {
        var key = new byte[32];
        key[0] = 0x90;
        var low = new byte[32];
        low[0] = 0x10;
        return new TheoryData<string, byte[]>
        {
            { "reconcile: no ranges", MessageCodec.EncodeReconcile(new ReconcileMessage([], [])) },
            { "the last range must end at +∞", MessageCodec.EncodeReconcile(new ReconcileMessage([new SyncRange([0x80], RangeMode.Skip)], [])) },
            { "+∞ bound before the last range", MessageCodec.EncodeReconcile(new ReconcileMessage([new SyncRange(null, RangeMode.Skip), new SyncRange(null, RangeMode.Skip)], [])) },
            { "range bounds not strictly increasing", MessageCodec.EncodeReconcile(new ReconcileMessage([new SyncRange([0x80], RangeMode.Skip), new SyncRange([0x40], RangeMode.Skip), new SyncRange(null, RangeMode.Skip)], [])) },
            { "range mode 9 is unknown", MessageCodec.EncodeReconcile(new ReconcileMessage([new SyncRange(null, (RangeMode)9)], [])) },
            { "listed keys not strictly increasing", MessageCodec.EncodeReconcile(new ReconcileMessage([new SyncRange(null, RangeMode.IdList, Items: [new SyncItem(key, 1), new SyncItem(low, 1)])], [])) },
            { "listed key above its range", MessageCodec.EncodeReconcile(new ReconcileMessage([new SyncRange([0x80], RangeMode.IdList, Items: [new SyncItem(key, 1)]), new SyncRange(null, RangeMode.Skip)], [])) },
            { "listed key below its range", MessageCodec.EncodeReconcile(new ReconcileMessage([new SyncRange([0x80], RangeMode.Skip), new SyncRange(null, RangeMode.IdList, Items: [new SyncItem(low, 1)])], [])) },
            { "range bound length: 33 exceeds", MessageCodec.EncodeReconcile(new ReconcileMessage([new SyncRange(new byte[33], RangeMode.Skip), new SyncRange(null, RangeMode.Skip)], [])) },
            { "range count: 4097 exceeds the limit of 4096", MessageCodec.EncodeReconcile(new ReconcileMessage([.. Enumerable.Range(0, 4096).Select(i => new SyncRange([(byte)(i >> 8), (byte)(i & 0xFF), 1], RangeMode.Skip)), new SyncRange(null, RangeMode.Skip)], [])) },
            { "listed sequence: out of range", MessageCodec.EncodeReconcile(new ReconcileMessage([new SyncRange(null, RangeMode.IdList, Items: [new SyncItem(key, -1)])], [])) },
            { "range fingerprint", MessageCodec.EncodeReconcile(new ReconcileMessage([new SyncRange(null, RangeMode.Fingerprint, 3, new byte[16])], []))[..^6] },
            { "Reconcile message: trailing bytes", [.. MessageCodec.EncodeReconcile(new ReconcileMessage([new SyncRange(null, RangeMode.Skip)], [])), 0] },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task MalformedReconcile_RejectedWithTheReason(string reason, byte[] payload)
    {
        var e = Assert.Throws<FormatException>(() => MessageCodec.Decode(payload));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        // Served: the same error, nothing sent, nothing stored.
        var store = Stores.Create(_time);
        var feed = new DuplexStream(Frame(payload));
        var served = await Assert.ThrowsAsync<FormatException>(() => new SyncExchange(store).ServeAsync(feed, _ => ValueTask.CompletedTask, "peer", CancellationToken.None));
        Assert.Contains(reason, served.Message, StringComparison.Ordinal);
        Assert.Equal(0, feed.Written.Length);
    }

    [Fact]
    public async Task NeedsRepeated_EachRecordSentOncePerStream()
    {
        // A peer that asks for the same record in every turn gets it once.
        var store = Stores.Create(_time);
        using var key = PrivateKey.Generate();
        await Offer(store, key, 1, 1);
        var wanted = SyncKeys.Of(key.PeerId);
        var ask = MessageCodec.EncodeReconcile(new ReconcileMessage([new SyncRange(null, RangeMode.Fingerprint, 5, new byte[16])], [wanted]));
        var feed = new DuplexStream([.. Frame(ask), .. Frame(ask), .. Frame(ask)]);
        var counts = await new SyncExchange(store).ServeAsync(feed, _ => ValueTask.CompletedTask, "peer", CancellationToken.None);
        Assert.Equal(1, counts.Sent);
        var back = new DuplexStream(feed.Written.ToArray());
        var records = 0;
        while (await FrameIo.ReadAsync(back, CancellationToken.None) is { } payload)
            records += MessageCodec.Decode(payload).Records.Count;
        Assert.Equal(1, records);
    }

    [Fact]
    public async Task ReconcileAfterTheEnd_Rejected()
    {
        // A non-asking RECONCILE ends the exchange; another one after it is a violation.
        var end = MessageCodec.EncodeReconcile(new ReconcileMessage([new SyncRange(null, RangeMode.Skip)], []));
        var feed = new DuplexStream([.. Frame(end), .. Frame(end)]);
        var e = await Assert.ThrowsAsync<FormatException>(() => new SyncExchange(Stores.Create(_time)).ServeAsync(feed, _ => ValueTask.CompletedTask, "peer", CancellationToken.None));
        Assert.Contains("after the exchange ended", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task P2p_FormerVersionPeer_ExchangesByDigest()
    {
        await using var a = await TestNode.StartAsync(_dir, "v2-a", withNetwork: false);
        await using var old = await TestNode.StartAsync(_dir, "v1-old", directory: false);
        // A peer that speaks only /pluginmesh/directory/1.0.0, served by the same exchange code.
        using var key = PrivateKey.Generate();
        await old.Store.AcceptAsync(TestRecords.Signed(key, "old-known", 1, DateTimeOffset.UtcNow.AddHours(1)), "local", CancellationToken.None);
        using var registration = old.Tunnel.RegisterHandler(DirectoryProtocol.ProtocolIdV1, async (stream, ct) =>
            await new SyncExchange(old.Store).ServeAsync(stream.Stream, stream.CloseWriteAsync, stream.Remote.PeerId.ToString(), ct));
        await a.ConnectAsync(old);

        Assert.True(await a.Sync!.ExchangeAsync(old.PeerId, TestTimeout.Token()));
        Assert.Null(a.Tracker.Get(old.PeerId)!.Error);
        Assert.NotNull(a.Store.Resolve("old-known"));
        // The serving side accepts what it read after our half of the exchange ended.
        await Eventually.TrueAsync(() => old.Store.Resolve("v2-a") is not null, "the former-version peer learned us");
    }

    private static SortedSet<string> Held(RecordStore store) =>
        [.. store.Snapshot().Select(s => s.Record.Signed.Record.PeerId + "@" + s.Record.Signed.Record.Sequence)];

    private static async Task Offer(RecordStore store, PrivateKey key, int index, long sequence) =>
        Assert.Equal(AcceptStatus.Accepted, (await store.AcceptAsync(TestRecords.Signed(key, "n" + index, sequence), "peer:seed", CancellationToken.None)).Status);

    /// <summary>A initiates, B serves, over one loopback TCP connection (half-close by shutdown).</summary>
    private static async Task<(ExchangeCounts Initiated, ExchangeCounts Served)> ExchangeAsync(RecordStore a, RecordStore b)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepting = listener.AcceptSocketAsync();
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        using var server = await accepting;
        await using var aStream = new NetworkStream(client);
        await using var bStream = new NetworkStream(server);
        var token = TestTimeout.Token();
        var serving = new SyncExchange(b).ServeAsync(bStream, Shutdown(server), "a", token);
        var initiated = await new SyncExchange(a).ReconcileAsync(aStream, Shutdown(client), "b", token);
        return (initiated, await serving);
    }

    private static Func<CancellationToken, ValueTask> Shutdown(Socket socket) => _ =>
    {
        socket.Shutdown(SocketShutdown.Send);
        return ValueTask.CompletedTask;
    };

    private static byte[] Frame(byte[] payload) => PluginMesh.P2p.Protobuf.LengthPrefixed.Encode(payload);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
