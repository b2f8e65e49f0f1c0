using PluginMesh.Plugins.Directory.P2p.Protocol;
using PluginMesh.Plugins.Directory.P2p.Records;
using PluginMesh.Plugins.Directory.P2p.Sync;
using PluginMesh.Plugins.Directory.P2p.Tests.Support;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Protocol;

/// <summary>Whatever a peer sends, serving ends in a clean, named error (never another exception).</summary>
public sealed class SyncExchangeFuzzTests
{
    private static readonly PrivateKey Key = PrivateKey.Generate();
    private readonly ManualTime _time = new(TestRecords.Now);

    [Fact]
    public async Task Serve_RandomFrames_OnlyFormatOrProtocolErrors()
    {
        var random = new Random(99);
        var store = Stores.Create(_time);
        var exchange = new SyncExchange(store);
        for (var i = 0; i < 3000; i++)
        {
            var payload = new byte[random.Next(0, 300)];
            random.NextBytes(payload);
            if (payload.Length > 0 && i % 3 == 0) payload[0] = (byte)random.Next(1, 5); // valid type (RECONCILE included), garbage body
            var input = Frame(payload);
            if (i % 5 == 0) input = input[..random.Next(input.Length + 1)]; // truncated
            try
            {
                await exchange.ServeAsync(new DuplexStream(input), _ => ValueTask.CompletedTask, "peer", CancellationToken.None);
            }
            catch (Exception e) when (e is FormatException or DirectoryProtocolException)
            {
                // expected: the handler turns these into an ERROR frame and a reset
            }
        }
        Assert.Empty(store.Digest());
    }

    [Fact]
    public async Task Serve_MutatedReconcileFrames_OnlyFormatErrorsOrAnswers()
    {
        // Valid RECONCILE frames with bytes flipped, cut or appended: decoded strictly or answered.
        var random = new Random(4242);
        var store = Stores.Create(_time);
        for (var i = 0; i < 40; i++)
        {
            using var k = PrivateKey.Generate();
            await store.AcceptAsync(TestRecords.Signed(k, "n" + i, 1), "peer:x", CancellationToken.None);
        }
        var snapshot = store.SyncSnapshot();
        var seeds = new[]
        {
            MessageCodec.EncodeReconcile(Reconciler.Open(snapshot)),
            MessageCodec.EncodeReconcile(Reconciler.Respond(SyncSnapshot.Empty, Reconciler.Open(snapshot)).Reply!),
            MessageCodec.EncodeReconcile(Reconciler.Respond(snapshot, new ReconcileMessage([new SyncRange(null, RangeMode.Fingerprint, 1000, new byte[16])], [])).Reply!),
        };
        for (var i = 0; i < 3000; i++)
        {
            var payload = seeds[i % seeds.Length].ToList();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                switch (random.Next(3))
                {
                    case 0 when payload.Count > 1: payload[random.Next(1, payload.Count)] ^= (byte)random.Next(1, 256); break;
                    case 1 when payload.Count > 1: payload.RemoveRange(random.Next(1, payload.Count), 1); break;
                    default: payload.Insert(random.Next(1, payload.Count + 1), (byte)random.Next(256)); break;
                }
            }
            try
            {
                await new SyncExchange(store).ServeAsync(new DuplexStream(Frame([.. payload])), _ => ValueTask.CompletedTask, "peer", CancellationToken.None);
            }
            catch (Exception e) when (e is FormatException or DirectoryProtocolException)
            {
                // expected: named by the decoder
            }
        }
        Assert.Equal(40, store.Count);
    }

    [Fact]
    public async Task Serve_OversizedFrameLength_RejectedBeforeReading()
    {
        var w = new PluginMesh.P2p.Protobuf.ProtoWriter();
        w.WriteRawVarint(DirectoryProtocol.MaxFrameBytes + 1);
        var e = await Assert.ThrowsAsync<FormatException>(() =>
            new SyncExchange(Stores.Create(_time)).ServeAsync(new DuplexStream(w.ToArray()), _ => ValueTask.CompletedTask, "peer", CancellationToken.None));
        Assert.Contains("exceeds", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_PushWithGoodAndForgedRecords_AcceptsGoodCountsForged()
    {
        var store = Stores.Create(_time);
        var good = TestRecords.Signed(Key, "n1", 2);
        var forged = good with { Body = RecordCodec.EncodeBody(good.Record with { Sequence = 3, DirectAddresses = [PluginMesh.P2p.Multiaddr.Parse("/ip4/6.6.6.6/tcp/1")] }, good.PublicKey) };
        var input = Frame(MessageCodec.EncodeRecords([good, forged]));
        var counts = await new SyncExchange(store).ServeAsync(new DuplexStream(input), _ => ValueTask.CompletedTask, "peer", CancellationToken.None);
        Assert.Equal(new ExchangeCounts(0, 1, 1), counts);
        Assert.Equal(2, store.Resolve("n1")!.Sequence);
    }

    [Fact]
    public async Task Serve_Digest_AnswersWithDigestAndMissingRecords()
    {
        var store = Stores.Create(_time);
        await store.AcceptAsync(TestRecords.Signed(Key, "n1", 2), "peer:x", CancellationToken.None);
        var feed = new DuplexStream(Frame(MessageCodec.EncodeDigest([])));
        var closed = false;
        var counts = await new SyncExchange(store).ServeAsync(feed, _ => { closed = true; return ValueTask.CompletedTask; }, "peer", CancellationToken.None);
        Assert.True(closed);
        Assert.Equal(1, counts.Sent);
        var back = new DuplexStream(feed.Written.ToArray());
        var digest = MessageCodec.Decode((await FrameIo.ReadAsync(back, CancellationToken.None))!);
        Assert.Equal(MessageType.Digest, digest.Type);
        var records = MessageCodec.Decode((await FrameIo.ReadAsync(back, CancellationToken.None))!);
        Assert.Equal("n1", RecordCodec.Decode(Assert.Single(records.Records)).Record.NodeName);
    }

    private static byte[] Frame(byte[] payload)
    {
        return PluginMesh.P2p.Protobuf.LengthPrefixed.Encode(payload);
    }
}
