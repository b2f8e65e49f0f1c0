using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PluginMesh.Plugins.Gateway.Istio.Model;
using PluginMesh.Plugins.Gateway.Istio.Tls;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Tls;

/// <summary>
/// Any input: never an exception, and the answers agree with each other — a prefix that is already
/// Complete or Invalid gives the same answer as the whole; only NeedMore may change with more bytes.
/// </summary>
public sealed class ClientHelloFuzzTests
{
    [Property(MaxTest = 2000)]
    public bool RandomBytes_NeverThrow(byte[] data)
    {
        var status = ClientHello.TryGetServerName(data, out var name);
        return status == ClientHelloStatus.Complete || name is null;
    }

    public static Arbitrary<byte[]> MutatedHellos() =>
        (from name in Gen.Elements<string?>(null, "a", "shop.example.com", new string('x', 250), "*.wild.example")
         from padding in Gen.Elements(0, 1, 300, 5000)
         from recordSize in Gen.Elements(1, 7, 512, 16384)
         from edits in Gen.ListOf(Edit())
         select Mutate(ClientHellos.Build(name, padding, recordSize), edits.Take(4))).ToArbitrary();

    private static Gen<(int At, int Value, int Kind)> Edit() =>
        from at in Gen.Choose(0, 1_000_000)
        from value in Gen.Choose(0, 255)
        from kind in Gen.Choose(0, 3)
        select (at, value, kind);

    // Each edit replaces, inserts or deletes a byte, or cuts the input short.
    private static byte[] Mutate(byte[] hello, IEnumerable<(int At, int Value, int Kind)> edits)
    {
        var bytes = hello.ToList();
        foreach (var (at, value, kind) in edits)
        {
            if (bytes.Count == 0) break;
            var index = at % bytes.Count;
            switch (kind)
            {
                case 0: bytes[index] = (byte)value; break;
                case 1: bytes.Insert(index, (byte)value); break;
                case 2: bytes.RemoveAt(index); break;
                default: bytes.RemoveRange(index, bytes.Count - index); break;
            }
        }

        return [.. bytes];
    }

    // The case that found it: a hello whose server_name was read before a later byte made it Invalid
    // answered Invalid with that name; Invalid and NeedMore now never carry one.
    [Property(Arbitrary = [typeof(ClientHelloFuzzTests)], MaxTest = 1, Replay = "(4946151869128616414,13021156528028935805,6)")]
    public bool MutatedHello_InvalidAfterTheName_NamesNothing(byte[] data) => MutatedHello_EveryPrefixAgreesWithTheWhole(data);

    [Property(Arbitrary = [typeof(ClientHelloFuzzTests)], MaxTest = 300)]
    public bool MutatedHello_EveryPrefixAgreesWithTheWhole(byte[] data)
    {
        var whole = ClientHello.TryGetServerName(data, out var wholeName);
        var step = Math.Max(1, data.Length / 200);
        for (var length = 0; length < data.Length; length += step)
        {
            var status = ClientHello.TryGetServerName(data.AsSpan(0, length), out var name);
            if (status != ClientHelloStatus.Complete && name is not null) return false;
            if (status == ClientHelloStatus.NeedMore) continue;
            if (status != whole || name != wholeName) return false;
        }

        return true;
    }
}
