using System.Numerics;

namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>Bitcoin-alphabet base58, the text form of PeerIds. PeerIds are short, so BigInteger is fine.</summary>
internal static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var zeros = 0;
        while (zeros < data.Length && data[zeros] == 0) zeros++;
        var value = new BigInteger(data, isUnsigned: true, isBigEndian: true);
        var chars = new List<char>();
        while (value > 0)
        {
            value = BigInteger.DivRem(value, 58, out var rem);
            chars.Add(Alphabet[(int)rem]);
        }
        chars.AddRange(Enumerable.Repeat('1', zeros));
        chars.Reverse();
        return new string([.. chars]);
    }

    public static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        if (string.IsNullOrEmpty(text)) return false;
        BigInteger value = 0;
        var zeros = 0;
        while (zeros < text.Length && text[zeros] == '1') zeros++;
        foreach (var c in text)
        {
            var digit = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0) return false;
            value = value * 58 + digit;
        }
        var body = value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true);
        bytes = new byte[zeros + body.Length];
        body.CopyTo(bytes, zeros);
        return true;
    }
}
