namespace PluginMesh.P2p.Encoding;

/// <summary>RFC 4648 base32, lower case, no padding: the multibase <c>b</c> used by CIDv1 PeerIds.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class Base32
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>Encodes <paramref name="data"/> in lower case without padding.</summary>
    public static string Encode(ReadOnlySpan<byte> data)
    {
        var chars = new char[(data.Length * 8 + 4) / 5];
        int buffer = 0, bits = 0, n = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[n++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }
        if (bits > 0) chars[n++] = Alphabet[(buffer << (5 - bits)) & 31];
        return new string(chars, 0, n);
    }

    /// <summary>Decodes unpadded base32, case-insensitively; trailing bits that do not fill a byte are dropped.</summary>
    /// <exception cref="FormatException">A character outside the alphabet; the message names it and its position.</exception>
    public static byte[] Decode(ReadOnlySpan<char> text)
    {
        var result = new byte[text.Length * 5 / 8];
        int buffer = 0, bits = 0, n = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = char.ToLowerInvariant(text[i]);
            var value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0) throw new FormatException($"base32: invalid character '{text[i]}' at {i}");
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                result[n++] = (byte)(buffer >> (bits - 8));
                bits -= 8;
            }
        }
        return result;
    }
}
