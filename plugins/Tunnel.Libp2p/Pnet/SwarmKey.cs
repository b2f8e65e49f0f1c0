namespace PluginMesh.Plugins.Tunnel.Libp2p.Pnet;

/// <summary>
/// A private-network pre-shared key in the swarm.key v1 format (specs: pnet/Private-Networks-PSK-V1.md):
/// <c>/key/swarm/psk/1.0.0/</c>, <c>/base16/</c>, then 64 hex characters. Only base16 is accepted
/// because js-libp2p hex-decodes the third line whatever the second says.
/// </summary>
public sealed class SwarmKey
{
    private const string Header = "/key/swarm/psk/1.0.0/";
    private readonly byte[] _key;

    private SwarmKey(byte[] key) => _key = key;

    internal ReadOnlySpan<byte> Key => _key;

    /// <summary>A fresh random key (for <c>keygen</c> and tests).</summary>
    public static SwarmKey Generate() => new(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>Parses the file text; throws <see cref="FormatException"/> saying which line is wrong.</summary>
    public static SwarmKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length < 3) throw new FormatException("swarm key: expected 3 lines (header, encoding, key)");
        if (lines[0].TrimEnd() != Header) throw new FormatException($"swarm key: line 1 must be {Header}");
        var encoding = lines[1].TrimEnd();
        if (encoding != "/base16/") throw new FormatException($"swarm key: line 2 is '{encoding}', only /base16/ is supported");
        var hex = lines[2].TrimEnd();
        if (hex.Length != 64) throw new FormatException($"swarm key: line 3 must be 64 hex characters, has {hex.Length}");
        try
        {
            return new SwarmKey(Convert.FromHexString(hex));
        }
        catch (FormatException)
        {
            throw new FormatException("swarm key: line 3 is not hexadecimal");
        }
    }

    public static SwarmKey Load(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    public string ToFileText() => $"{Header}\n/base16/\n{Convert.ToHexStringLower(_key)}\n";
}
