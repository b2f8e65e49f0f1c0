using System.Runtime.InteropServices;

namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>Forces files and directory entries to stable storage. Tests substitute a recorder.</summary>
internal interface IFileSync
{
    /// <summary>fsync(2) of the file at <paramref name="path"/>: its data and size, whoever wrote them.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The kernel reported an error (EIO: the data may be lost).</exception>
    void File(string path);

    /// <summary>fsync(2) of a directory, making created, renamed and deleted names in it durable.</summary>
    void Directory(string path);
}

/// <summary>
/// fsync(2) through libc on Linux. On Linux an fsync flushes a file's dirty pages whichever
/// descriptor wrote them, so the cache can flush LiteDB's journal without LiteDB's own handle;
/// a read-only descriptor is enough and takes no flock that LiteDB's handles would contend with.
/// Elsewhere files are flushed with <see cref="FileStream.Flush(bool)"/> and directories not at all.
/// </summary>
internal sealed partial class OsFileSync : IFileSync
{
    public static readonly OsFileSync Instance = new();

    private const int ReadOnly = 0;

    // asm-generic and x86 share this value (02000000), so it holds on linux-x64 and linux-arm64.
    private const int CloseOnExec = 0x80000;

    private const int NoSuchFile = 2;

    public void File(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            stream.Flush(flushToDisk: true);
            return;
        }

        SyncPath(path);
    }

    public void Directory(string path)
    {
        if (OperatingSystem.IsLinux()) SyncPath(path);
    }

    private static void SyncPath(string path)
    {
        var fd = Open(path, ReadOnly | CloseOnExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var message = $"cannot open {path} to fsync it: {Marshal.GetPInvokeErrorMessage(errno)}";
            throw errno == NoSuchFile ? new FileNotFoundException(message, path) : new IOException(message);
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of {path} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
