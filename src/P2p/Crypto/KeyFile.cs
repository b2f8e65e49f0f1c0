using System.Security.Cryptography;

namespace PluginMesh.P2p.Crypto;

/// <summary>
/// A node's identity key on disk: the libp2p <c>PrivateKey</c> protobuf, created on first use with
/// mode 0600 (written whole: temp file, fsync, link into place) and reused afterwards, so a node's PeerId
/// survives restarts. A key file that group or others may read is refused at load.
/// </summary>
/// <remarks>Stateless and thread-safe; two processes creating one file at once end up with the same key.</remarks>
public static class KeyFile
{
    /// <summary>Loads the key at <paramref name="path"/>, creating it (and its directory) when absent.</summary>
    /// <exception cref="FormatException">The file exists but does not hold a usable key; it is left untouched and the message names it.</exception>
    /// <exception cref="UnauthorizedAccessException">The file exists and group or others may read it (fix: <c>chmod 600</c>).</exception>
    /// <exception cref="IOException">The file cannot be read or created.</exception>
    public static PrivateKey LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path)) return Load(path);
        var key = PrivateKey.Generate();
        var bytes = key.ExportProtobuf();
        try
        {
            if (PrivateFile.TryCreate(path, bytes)) return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
        // Another process created it between our check and our create: use theirs so both agree.
        key.Dispose();
        return Load(path);
    }

    /// <summary>Loads an existing key file.</summary>
    /// <exception cref="FormatException">Not a usable key; the message names the file.</exception>
    /// <exception cref="UnauthorizedAccessException">Group or others may read it (fix: <c>chmod 600</c>).</exception>
    public static PrivateKey Load(string path)
    {
        PrivateFile.EnsureOwnerOnly(path, "identity key file");
        var bytes = File.ReadAllBytes(path);
        try
        {
            return PrivateKey.FromProtobuf(bytes);
        }
        catch (FormatException e)
        {
            throw new FormatException($"key file {path}: {e.Message}", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
