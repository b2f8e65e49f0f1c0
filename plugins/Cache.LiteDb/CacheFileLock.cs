namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>
/// Exclusive ownership of one cache file, held through a sidecar <c>&lt;path&gt;.lock</c> that
/// names the owning process.
/// </summary>
/// <remarks>
/// LiteDB's direct mode has no lock between processes on Linux and two writers corrupt the file,
/// so every opener must take this lock first.
/// <para>
/// How: <see cref="FileStream.Lock"/> on one byte, which .NET maps to a POSIX record lock
/// (<c>fcntl(F_SETLK)</c>) that the kernel drops when the process dies, so a kill -9 never leaves
/// a stale lock. The file is opened with <see cref="FileShare.ReadWrite"/> on purpose:
/// <see cref="FileShare.None"/> would add a <c>flock(LOCK_EX)</c> that stops the losing process
/// from even reading the owner's pid.
/// </para>
/// <para>
/// POSIX record locks belong to the process, not the handle: a second handle in the same process
/// would "succeed", and closing it would silently drop the real lock. Hence the in-process table,
/// checked before the file is touched at all.
/// </para>
/// </remarks>
internal sealed class CacheFileLock : IDisposable
{
    // Beyond any pid text, so the locked byte never overlaps the bytes another process reads
    // (on Windows a locked range is unreadable).
    private const long LockOffset = 1024;

    private static readonly ConcurrentDictionary<string, byte> HeldInProcess = new(StringComparer.Ordinal);

    private readonly FileStream _stream;
    private int _disposed;

    private CacheFileLock(string lockPath, FileStream stream)
    {
        LockPath = lockPath;
        _stream = stream;
    }

    /// <summary>Path of the sidecar lock file.</summary>
    public string LockPath { get; }

    /// <summary>Lock file path for a database path.</summary>
    public static string LockPathFor(string databasePath) => databasePath + ".lock";

    /// <summary>Takes the lock or throws a <see cref="PluginMeshException"/> naming the owner.</summary>
    public static CacheFileLock Acquire(string databasePath)
    {
        var lockPath = LockPathFor(databasePath);
        if (!HeldInProcess.TryAdd(lockPath, 0))
        {
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, "open cache",
                $"{databasePath} is already open in this process (pid {Environment.ProcessId})");
        }

        FileStream? stream = null;
        try
        {
            try
            {
                // macOS has no FileStream.Lock; FileShare.None (flock) still excludes, without a readable pid.
                var share = OperatingSystem.IsMacOS() ? FileShare.None : FileShare.ReadWrite;
                stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, share);
            }
            catch (IOException ex) when (OperatingSystem.IsMacOS())
            {
                throw new PluginMeshException(CacheLiteDbPlugin.PluginId, "open cache",
                    $"{databasePath} is in use by another process (pid unknown)", ex);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new PluginMeshException(CacheLiteDbPlugin.PluginId, "open cache",
                    $"cannot open lock file {lockPath}: {ex.Message}", ex);
            }

            try
            {
                if (!OperatingSystem.IsMacOS()) stream.Lock(LockOffset, 1);
            }
            catch (IOException ex)
            {
                stream.Dispose();
                stream = null;
                throw new PluginMeshException(CacheLiteDbPlugin.PluginId, "open cache",
                    $"{databasePath} is in use by another process (pid {ReadOwner(lockPath)})", ex);
            }

            // The pid is only a hint for the error message above; the lock itself is the truth.
            var pid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            stream.SetLength(0);
            stream.Write(pid);
            stream.Flush();
            return new CacheFileLock(lockPath, stream);
        }
        catch
        {
            stream?.Dispose();
            HeldInProcess.TryRemove(lockPath, out _);
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;

        // The file stays: deleting it would let a process that opened the old inode and a process
        // that creates a new one both believe they hold the lock.
        _stream.Dispose();
        HeldInProcess.TryRemove(LockPath, out _);
    }

    private static string ReadOwner(string lockPath)
    {
        try
        {
            var text = File.ReadAllText(lockPath).Trim();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                ? pid.ToString(CultureInfo.InvariantCulture)
                : "unknown";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}
