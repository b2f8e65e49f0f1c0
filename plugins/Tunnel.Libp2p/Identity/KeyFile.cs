namespace PluginMesh.Plugins.Tunnel.Libp2p.Identity;

/// <summary>
/// The node's identity key on disk: the libp2p <c>PrivateKey</c> protobuf, created on first use with
/// mode 0600 and reused afterwards, so a node's PeerId survives restarts.
/// </summary>
public static class KeyFile
{
    /// <summary>Loads the key at <paramref name="path"/>, creating it (and its directory) when absent.</summary>
    /// <exception cref="FormatException">The file exists but does not hold a usable key; it is left untouched.</exception>
    public static IdentityKey LoadOrCreate(string path)
    {
        if (File.Exists(path)) return Load(path);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        var key = IdentityKey.Generate();
        var bytes = key.ExportPrivateKeyProtobuf();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var stream = new FileStream(path, options);
            stream.Write(bytes);
            stream.Flush(true);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it between our check and our create: use theirs so both agree.
            key.Dispose();
            return Load(path);
        }
        finally
        {
            Array.Clear(bytes);
        }
        return key;
    }

    public static IdentityKey Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            return IdentityKey.FromPrivateKeyProtobuf(bytes);
        }
        catch (FormatException e)
        {
            throw new FormatException($"key file {path}: {e.Message}", e);
        }
        finally
        {
            Array.Clear(bytes);
        }
    }
}
