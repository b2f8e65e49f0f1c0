namespace PluginMesh.P2p.Encoding;

/// <summary>
/// Multibase text (a one-character prefix naming the base): what multiaddr <c>/certhash</c> values
/// are written in. Understands <c>u</c> (base64url), <c>m</c> (base64), <c>z</c> (base58btc),
/// <c>b</c>/<c>B</c> (base32) and <c>f</c>/<c>F</c> (base16), all without padding.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class Multibase
{
    /// <summary>Base64url with the <c>u</c> prefix, the form go and js write.</summary>
    public static string EncodeBase64Url(ReadOnlySpan<byte> data) =>
        "u" + Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Decodes multibase text.</summary>
    /// <exception cref="FormatException">Empty, an unknown prefix, or bad characters for the base; the message says which.</exception>
    public static byte[] Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw new FormatException("multibase: empty");
        var body = text[1..];
        switch (text[0])
        {
            case 'z':
                return Base58.Decode(body);
            case 'b' or 'B':
                return Base32.Decode(body);
            case 'f' or 'F':
                if (body.Length % 2 != 0) throw new FormatException("multibase: base16 text has an odd length");
                try
                {
                    return Convert.FromHexString(body);
                }
                catch (FormatException)
                {
                    throw new FormatException("multibase: invalid base16 text");
                }
            case 'u' or 'm':
                foreach (var c in body)
                {
                    var ok = char.IsAsciiLetterOrDigit(c) || (text[0] == 'u' ? c is '-' or '_' : c is '+' or '/');
                    if (!ok) throw new FormatException($"multibase: invalid {(text[0] == 'u' ? "base64url" : "base64")} character '{c}'");
                }
                if (body.Length % 4 == 1) throw new FormatException("multibase: base64 text has an impossible length");
                var b64 = text[0] == 'u' ? body.Replace('-', '+').Replace('_', '/') : body;
                return Convert.FromBase64String(b64 + new string('=', (4 - b64.Length % 4) % 4));
            default:
                throw new FormatException($"multibase: unsupported prefix '{text[0]}'");
        }
    }
}
