namespace PluginMesh.P2p.Encoding;

/// <summary>Base58btc (the Bitcoin alphabet): the text form of PeerIds and the multibase <c>z</c>.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static readonly sbyte[] Map = BuildMap();

    /// <summary>Encodes <paramref name="data"/>; each leading zero byte becomes a leading <c>1</c>.</summary>
    public static string Encode(ReadOnlySpan<byte> data)
    {
        var zeros = 0;
        while (zeros < data.Length && data[zeros] == 0) zeros++;
        var size = (data.Length - zeros) * 138 / 100 + 1;
        Span<byte> digits = size <= 256 ? stackalloc byte[size] : new byte[size];
        var length = 0;
        for (var i = zeros; i < data.Length; i++)
        {
            int carry = data[i];
            for (var j = 0; j < length; j++)
            {
                carry += digits[j] << 8;
                digits[j] = (byte)(carry % 58);
                carry /= 58;
            }
            while (carry > 0)
            {
                digits[length++] = (byte)(carry % 58);
                carry /= 58;
            }
        }
        var chars = new char[zeros + length];
        for (var i = 0; i < zeros; i++) chars[i] = '1';
        for (var i = 0; i < length; i++) chars[zeros + i] = Alphabet[digits[length - 1 - i]];
        return new string(chars);
    }

    /// <summary>Decodes base58btc text.</summary>
    /// <exception cref="FormatException">A character outside the alphabet; the message names it and its position.</exception>
    public static byte[] Decode(ReadOnlySpan<char> text)
    {
        var zeros = 0;
        while (zeros < text.Length && text[zeros] == '1') zeros++;
        var size = (text.Length - zeros) * 733 / 1000 + 1;
        var bytes = new byte[size];
        var length = 0;
        for (var i = zeros; i < text.Length; i++)
        {
            var c = text[i];
            var value = c < 128 ? Map[c] : -1;
            if (value < 0) throw new FormatException($"base58: invalid character '{c}' at {i}");
            int carry = value;
            for (var j = 0; j < length; j++)
            {
                carry += bytes[j] * 58;
                bytes[j] = (byte)carry;
                carry >>= 8;
            }
            while (carry > 0)
            {
                bytes[length++] = (byte)carry;
                carry >>= 8;
            }
        }
        var result = new byte[zeros + length];
        for (var i = 0; i < length; i++) result[zeros + i] = bytes[length - 1 - i];
        return result;
    }

    /// <summary>Non-throwing <see cref="Decode"/>: false (and no bytes) for text outside the alphabet.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        foreach (var c in text)
        {
            if (c >= 128 || Map[c] < 0)
            {
                bytes = [];
                return false;
            }
        }
        bytes = Decode(text);
        return true;
    }

    private static sbyte[] BuildMap()
    {
        var map = new sbyte[128];
        Array.Fill(map, (sbyte)-1);
        for (var i = 0; i < Alphabet.Length; i++) map[Alphabet[i]] = (sbyte)i;
        return map;
    }
}
