namespace PluginMesh.P2p.Crypto;

/// <summary>
/// Secret files (identity keys, swarm keys) on disk: created whole or not at all with mode 0600, and
/// refused when group or others may read them.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class PrivateFile
{
    private const UnixFileMode Shared =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> only if no file is there: into a temp
    /// file of mode 0600 in the same directory, flushed to disk, then linked into place without replacing
    /// anything. A crash leaves either no file or the whole file, never a truncated one; two writers racing
    /// end with one file, the first one's.
    /// </summary>
    /// <returns>True when this call created the file; false when one already existed (it is left untouched).</returns>
    /// <exception cref="IOException">The directory or file cannot be written.</exception>
    public static bool TryCreate(string path, ReadOnlySpan<byte> content)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        if (File.Exists(full)) return false;
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            try
            {
                // Without overwrite this is link(2) + unlink(2) on Linux: atomic, and it fails if the name exists.
                File.Move(temp, full, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(full))
            {
                return false;
            }
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Throws when group or others have any access to <paramref name="path"/> (Unix; a no-op elsewhere).</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What it holds, for the message (e.g. <c>identity key file</c>).</param>
    /// <exception cref="UnauthorizedAccessException">The mode lets group or others in; the message names the file, its mode and the fix.</exception>
    public static void EnsureOwnerOnly(string path, string what)
    {
        if (SharedMode(path) is not { } mode) return;
        throw new UnauthorizedAccessException(
            $"{what} {path} has mode {Octal(mode)}: group or others may read it, so the secret may already be known " +
            $"to other users. Fix it with `chmod 600 {path}` (and check who could read it meanwhile); the agent refuses to load it until then.");
    }

    /// <summary><paramref name="mode"/> as <c>chmod</c> writes it, e.g. <c>0644</c>.</summary>
    public static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');

    /// <summary>The file's mode when group or others have any access to it; null when owner-only (or not Unix).</summary>
    public static UnixFileMode? SharedMode(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsWindows()) return null;
        var mode = File.GetUnixFileMode(path);
        return (mode & Shared) == 0 ? null : mode;
    }
}
