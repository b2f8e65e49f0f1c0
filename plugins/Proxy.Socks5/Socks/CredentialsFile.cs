using System.Security.Cryptography;
using System.Text;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Proxy.Socks5.Socks;

/// <summary>
/// The username/password pairs SOCKS clients may use (RFC 1929), from a file of <c>user:password</c>
/// lines (blank lines and <c>#</c> comments ignored), owner-only like the swarm key. The file is read
/// again when its modification time changes, so a rotated password needs no restart; a file that
/// becomes unreadable or invalid keeps the last good pairs and says so in <see cref="Problem"/>.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class CredentialsFile(string path)
{
    private readonly Lock _gate = new();
    private DateTime _loadedAt = DateTime.MinValue;
    private Dictionary<string, byte[]> _pairs = new(StringComparer.Ordinal);

    /// <summary>The file.</summary>
    public string Path => path;

    /// <summary>Usernames currently accepted.</summary>
    public int Users => _pairs.Count;

    /// <summary>Why the last read failed, or null.</summary>
    public string? Problem { get; private set; }

    /// <summary>Reads the file now; throws with a message naming the file and the line when it cannot be used (the agent's start fails on it).</summary>
    public void Load()
    {
        lock (_gate)
        {
            var (pairs, stamp) = Read();
            _pairs = pairs;
            _loadedAt = stamp;
            Problem = null;
        }
    }

    /// <summary>True when <paramref name="user"/> and <paramref name="password"/> (UTF-8) match a line; the password is compared in constant time.</summary>
    public bool Check(byte[] user, byte[] password)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(password);
        Refresh();
        // A name that is not valid UTF-8 matches no line (the decoder replaces, never throws).
        if (!_pairs.TryGetValue(Encoding.UTF8.GetString(user), out var expected)) return false;
        return CryptographicOperations.FixedTimeEquals(expected, password);
    }

    private void Refresh()
    {
        DateTime stamp;
        try
        {
            stamp = File.GetLastWriteTimeUtc(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        if (stamp == _loadedAt) return;
        lock (_gate)
        {
            if (stamp == _loadedAt) return;
            try
            {
                (_pairs, _loadedAt) = Read();
                Problem = null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                _loadedAt = stamp;
                Problem = e.Message + " (the last good credentials stay in effect)";
            }
        }
    }

    private (Dictionary<string, byte[]>, DateTime) Read()
    {
        PrivateFile.EnsureOwnerOnly(path, "[proxy.socks5] credentials file");
        var stamp = File.GetLastWriteTimeUtc(path);
        var pairs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var text = line.Trim();
            if (text.Length == 0 || text[0] == '#') continue;
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            string? why = colon switch
            {
                < 0 => "is not user:password",
                0 => "has an empty user name",
                _ when colon == text.Length - 1 => "has an empty password",
                _ when colon > 255 || Encoding.UTF8.GetByteCount(text.AsSpan(0, colon)) > 255 => "has a user name longer than 255 bytes (RFC 1929)",
                _ when Encoding.UTF8.GetByteCount(text.AsSpan(colon + 1)) > 255 => "has a password longer than 255 bytes (RFC 1929)",
                _ => null,
            };
            if (why is not null) throw new InvalidDataException($"[proxy.socks5] credentials file {path}:{number} {why}");
            pairs[text[..colon]] = Encoding.UTF8.GetBytes(text[(colon + 1)..]);
        }
        if (pairs.Count == 0) throw new InvalidDataException($"[proxy.socks5] credentials file {path} holds no user:password line");
        return (pairs, stamp);
    }
}
