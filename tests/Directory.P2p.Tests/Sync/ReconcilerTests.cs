using PluginMesh.Plugins.Directory.P2p.Protocol;
using PluginMesh.Plugins.Directory.P2p.Sync;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Sync;

/// <summary>
/// Range reconciliation as a model: two snapshots of bare items (key, sequence), the messages passed
/// through the real codec, the transfers applied to the model. Whatever the differences, both sides
/// end holding, for every key, the highest sequence either held.
/// </summary>
public sealed class ReconcilerTests
{
    [Fact]
    public void Identical_OneFingerprintEachWay_NothingSent()
    {
        var items = RandomItems(new Random(1), 5000);
        var run = Simulate(Snapshot(items), Snapshot(items));
        Assert.Equal(2, run.Frames); // the opener's fingerprint, the answer's skip
        Assert.Empty(run.AToB);
        Assert.Empty(run.BToA);
        Assert.All(run.Messages, m => Assert.True(m.Length < 64, $"{m.Length} bytes"));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(0, 1)]
    [InlineData(20, 20)]
    [InlineData(33, 0)]
    [InlineData(3000, 0)]
    [InlineData(0, 3000)]
    [InlineData(20000, 20000)]
    public void OneSideEmptyOrBothSmall_Converge(int a, int b)
    {
        var random = new Random(a * 31 + b);
        var left = RandomItems(random, a);
        var right = RandomItems(random, b);
        AssertConverges(left, right);
    }

    [Fact]
    public void RandomDifferences_AlwaysConverge()
    {
        var random = new Random(2026);
        for (var trial = 0; trial < 150; trial++)
        {
            var common = RandomItems(random, random.Next(0, trial % 10 == 0 ? 20000 : 3000));
            var left = new Dictionary<string, (byte[] Key, long Seq)>(common);
            var right = new Dictionary<string, (byte[] Key, long Seq)>(common);
            var changes = random.Next(0, trial % 3 == 0 ? 5 : 400);
            for (var c = 0; c < changes; c++)
            {
                var side = random.Next(2) == 0 ? left : right;
                switch (random.Next(3))
                {
                    case 0: // a record only one side has
                        foreach (var (k, v) in RandomItems(random, 1)) side[k] = v;
                        break;
                    case 1 when common.Count > 0: // one side lacks a record
                        side.Remove(common.Keys.ElementAt(random.Next(common.Count)));
                        break;
                    case 2 when common.Count > 0: // one side holds a newer sequence
                        var key = common.Keys.ElementAt(random.Next(common.Count));
                        if (side.TryGetValue(key, out var held)) side[key] = (held.Key, held.Seq + random.Next(1, 5));
                        break;
                }
            }
            AssertConverges(left, right);
        }
    }

    [Fact]
    public void OneChangeAmong20000_FewFramesAndBytes()
    {
        var random = new Random(7);
        var left = RandomItems(random, 20000);
        var right = new Dictionary<string, (byte[] Key, long Seq)>(left);
        var changed = left.Keys.ElementAt(12345);
        right[changed] = (right[changed].Key, right[changed].Seq + 1);
        var run = AssertConverges(left, right);
        Assert.Equal([changed], run.BToA.Select(k => Convert.ToHexString(k)).ToArray());
        Assert.True(run.Frames <= 8, $"{run.Frames} frames");
        Assert.True(run.Messages.Sum(m => m.Length) <= 4096, $"{run.Messages.Sum(m => m.Length)} bytes");
    }

    private static Run AssertConverges(Dictionary<string, (byte[] Key, long Seq)> left, Dictionary<string, (byte[] Key, long Seq)> right)
    {
        var run = Simulate(Snapshot(left), Snapshot(right));
        var a = new Dictionary<string, (byte[] Key, long Seq)>(left);
        var b = new Dictionary<string, (byte[] Key, long Seq)>(right);
        foreach (var key in run.AToB) Apply(b, left[Convert.ToHexString(key)]);
        foreach (var key in run.BToA) Apply(a, right[Convert.ToHexString(key)]);
        var expected = new Dictionary<string, long>(left.ToDictionary(e => e.Key, e => e.Value.Seq));
        foreach (var (k, v) in right) expected[k] = Math.Max(v.Seq, expected.GetValueOrDefault(k, long.MinValue));
        Assert.Equal(expected.OrderBy(e => e.Key), a.ToDictionary(e => e.Key, e => e.Value.Seq).OrderBy(e => e.Key));
        Assert.Equal(expected.OrderBy(e => e.Key), b.ToDictionary(e => e.Key, e => e.Value.Seq).OrderBy(e => e.Key));
        // Nothing is sent that the other side already held at that sequence or newer.
        foreach (var key in run.AToB) Assert.True(!right.TryGetValue(Convert.ToHexString(key), out var r) || r.Seq < left[Convert.ToHexString(key)].Seq);
        foreach (var key in run.BToA) Assert.True(!left.TryGetValue(Convert.ToHexString(key), out var l) || l.Seq < right[Convert.ToHexString(key)].Seq);
        return run;
    }

    private static void Apply(Dictionary<string, (byte[] Key, long Seq)> side, (byte[] Key, long Seq) item)
    {
        var hex = Convert.ToHexString(item.Key);
        if (!side.TryGetValue(hex, out var held) || held.Seq < item.Seq) side[hex] = item;
    }

    /// <summary>The conversation as <see cref="SyncExchange"/> holds it, each message through the codec.</summary>
    private static Run Simulate(SyncSnapshot a, SyncSnapshot b)
    {
        var sides = new[] { a, b };
        var sent = new[] { new List<byte[]>(), new List<byte[]>() };
        var messages = new List<byte[]>();
        var message = Reconciler.Open(a);
        var turn = 1;
        while (true)
        {
            var wire = MessageCodec.EncodeReconcile(message);
            messages.Add(wire);
            message = MessageCodec.Decode(wire).Reconcile!;
            Assert.True(messages.Count <= 2 * DirectoryProtocol.MaxRounds, "no end in sight");
            var answer = Reconciler.Respond(sides[turn], message);
            sent[turn].AddRange(answer.Send.Select(sides[turn].KeyAt));
            sent[turn].AddRange(message.Needs.Select(sides[turn].Find).Where(i => i >= 0).Select(sides[turn].KeyAt));
            if (answer.Reply is null) break;
            message = answer.Reply;
            turn ^= 1;
        }
        return new Run(messages.Count, Distinct(sent[0]), Distinct(sent[1]), messages);
    }

    private static List<byte[]> Distinct(List<byte[]> keys) => [.. keys.DistinctBy(Convert.ToHexString)];

    private static SyncSnapshot Snapshot(Dictionary<string, (byte[] Key, long Seq)> items) =>
        new([.. items.Values.Select(i => new SyncSnapshot.Entry(i.Key, i.Seq, Convert.ToHexString(i.Key), SyncKeys.ItemHash(i.Key, i.Seq)))], 0, DateTimeOffset.MaxValue);

    private static Dictionary<string, (byte[] Key, long Seq)> RandomItems(Random random, int count)
    {
        var items = new Dictionary<string, (byte[] Key, long Seq)>();
        while (items.Count < count)
        {
            var key = new byte[SyncKeys.KeyLength];
            random.NextBytes(key);
            items[Convert.ToHexString(key)] = (key, random.Next(1, 1000));
        }
        return items;
    }

    private sealed record Run(int Frames, List<byte[]> AToB, List<byte[]> BToA, List<byte[]> Messages);
}
