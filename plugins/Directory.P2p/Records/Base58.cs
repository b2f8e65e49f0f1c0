using System.Numerics;
using System.Text;

namespace PluginMesh.Plugins.Directory.P2p.Records;

/// <summary>Base58btc (Bitcoin alphabet), the text form of PeerIds. Encoding only: PeerIds are compared as text.</summary>
internal static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var zeros = 0;
        while (zeros < data.Length && data[zeros] == 0) zeros++;
        var value = new BigInteger(data, isUnsigned: true, isBigEndian: true);
        var sb = new StringBuilder();
        while (value > 0)
        {
            value = BigInteger.DivRem(value, 58, out var rem);
            sb.Insert(0, Alphabet[(int)rem]);
        }
        sb.Insert(0, "1", zeros);
        return sb.ToString();
    }
}
