using System.Runtime.InteropServices;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// Linux <c>LibC.splice(2)</c> between two TCP sockets through a pipe: the bytes of a bulk transfer
/// move socket → pipe → socket inside the kernel, never copied to or from managed memory. Used by
/// <see cref="Splicer"/> once a direction has shown it carries bulk data (a read filled the whole
/// copy buffer); small request/response traffic never pays for the pipe.
/// </summary>
/// <remarks>
/// Waiting stays with the runtime's socket engine: readiness to read is a zero-byte
/// <see cref="Socket.ReceiveAsync(Memory{byte}, SocketFlags, CancellationToken)"/> (it completes
/// when data or end of stream is there, consuming nothing). There is no way to wait for
/// writability alone, so when the destination's send buffer is full the bytes waiting in the pipe
/// are read into a buffer and sent with <see cref="Socket.SendAsync(ReadOnlyMemory{byte}, SocketFlags, CancellationToken)"/>,
/// which waits; the next chunk is spliced again. Every system call holds a reference on the socket
/// handles, so a concurrent abort (which disposes the sockets) can never make us use a reused
/// descriptor.
/// </remarks>
internal static class KernelSplice
{
    private const uint SpliceMove = 1;
    private const uint SpliceNonBlock = 2;
    private const int OCloexec = 0x80000;
    private const int ONonBlock = 0x800;
    private const int FGetFl = 3;
    private const int FSetPipeSz = 1031;
    private const int FGetPipeSz = 1032;
    private const int EIntr = 4;
    private const int EAgain = 11;

    /// <summary>Pipe capacity asked for (the kernel default is 64 KiB; 1 MiB is the unprivileged ceiling).</summary>
    public const int PipeSize = 256 * 1024;

    /// <summary>Whether splice may be used at all (Linux only).</summary>
    public static bool Available { get; } = OperatingSystem.IsLinux();

    private static long _started;

    /// <summary>Directions handed to the kernel since start (for tests).</summary>
    internal static long Started => Interlocked.Read(ref _started);

    /// <summary>
    /// A non-blocking pipe for one direction handed to the kernel (here and in <see cref="SocketLoop"/>),
    /// asked for <see cref="PipeSize"/> (best effort: fewer system calls per byte), and counted in
    /// <see cref="Started"/>; false when the kernel gives none. The caller closes both ends.
    /// </summary>
    internal static bool TryOpenPipe(out int readFd, out int writeFd, out int capacity)
    {
        var fds = new int[2];
        readFd = writeFd = -1;
        capacity = 0;
        if (LibC.pipe2(fds, OCloexec | ONonBlock) != 0) return false;
        (readFd, writeFd) = (fds[0], fds[1]);
        _ = LibC.fcntl(writeFd, FSetPipeSz, PipeSize);
        capacity = LibC.fcntl(writeFd, FGetPipeSz, 0);
        if (capacity <= 0) capacity = 64 * 1024;
        Interlocked.Increment(ref _started);
        return true;
    }

    /// <summary>
    /// Moves everything <paramref name="from"/> sends to <paramref name="to"/> until end of stream
    /// (returns normally) or an error (throws <see cref="IOException"/>, <see cref="SocketException"/>,
    /// <see cref="OperationCanceledException"/> or <see cref="ObjectDisposedException"/>).
    /// Returns false without moving a byte when the sockets are not suitable (not non-blocking, no pipe).
    /// </summary>
    /// <param name="from">Source socket.</param>
    /// <param name="to">Destination socket.</param>
    /// <param name="fallback">A buffer for the copy fallback under back-pressure.</param>
    /// <param name="moved">Called with each chunk's size once it left through <paramref name="to"/>.</param>
    /// <param name="cancellationToken">Stops the pump.</param>
    public static async Task<bool> PumpAsync(Socket from, Socket to, byte[] fallback, Action<int> moved, CancellationToken cancellationToken)
    {
        if (!Available || !IsNonBlocking(from) || !IsNonBlocking(to)) return false;
        if (!TryOpenPipe(out var readFd, out var writeFd, out var capacity)) return false;
        using var read = new SafePipeHandle(readFd);
        using var write = new SafePipeHandle(writeFd);

        while (true)
        {
            // A busy source may never make us wait; the other direction's failure must still stop us.
            cancellationToken.ThrowIfCancellationRequested();
            var inPipe = Splice(from.SafeHandle, write, capacity);
            if (inPipe < 0)
            {
                // Nothing to read: wait for data (or end of stream) without taking it.
                await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (inPipe == 0) return true;  // end of stream
            while (inPipe > 0)
            {
                var n = Splice(read, to.SafeHandle, inPipe);
                if (n > 0)
                {
                    inPipe -= n;
                    moved(n);
                    continue;
                }
                // The destination's send buffer is full: let the socket engine wait for room.
                var chunk = ReadPipe(read, fallback, Math.Min(inPipe, fallback.Length));
                var data = fallback.AsMemory(0, chunk);
                while (data.Length > 0)
                {
                    var sent = await to.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    data = data[sent..];
                }
                inPipe -= chunk;
                moved(chunk);
            }
        }
    }

    private static bool IsNonBlocking(Socket socket)
    {
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var flags = LibC.fcntl((int)handle.DangerousGetHandle(), FGetFl, 0);
            return flags >= 0 && (flags & ONonBlock) != 0;
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>One non-blocking splice; the count moved, 0 at end of stream (reading a socket), -1 when it would block.</summary>
    private static int Splice(SafeHandle source, SafeHandle destination, int length)
    {
        var addedSource = false;
        var addedDestination = false;
        try
        {
            source.DangerousAddRef(ref addedSource);
            destination.DangerousAddRef(ref addedDestination);
            while (true)
            {
                var n = LibC.splice((int)source.DangerousGetHandle(), IntPtr.Zero, (int)destination.DangerousGetHandle(), IntPtr.Zero,
                    (nuint)length, SpliceMove | SpliceNonBlock);
                if (n >= 0) return (int)n;
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EIntr) continue;
                if (errno == EAgain) return -1;
                throw new IOException($"splice: {Marshal.GetPInvokeErrorMessage(errno)}", new SocketException(errno));
            }
        }
        finally
        {
            if (addedDestination) destination.DangerousRelease();
            if (addedSource) source.DangerousRelease();
        }
    }

    private static int ReadPipe(SafePipeHandle pipe, byte[] buffer, int length)
    {
        var added = false;
        try
        {
            pipe.DangerousAddRef(ref added);
            while (true)
            {
                var n = LibC.read((int)pipe.DangerousGetHandle(), buffer, (nuint)length);
                if (n > 0) return (int)n;
                var errno = Marshal.GetLastPInvokeError();
                if (n < 0 && errno == EIntr) continue;
                throw new IOException($"read from splice pipe: {(n == 0 ? "end of file" : Marshal.GetPInvokeErrorMessage(errno))}");
            }
        }
        finally
        {
            if (added) pipe.DangerousRelease();
        }
    }

    private sealed class SafePipeHandle : SafeHandle
    {
        public SafePipeHandle(int fd)
            : base(IntPtr.Zero, ownsHandle: true) => SetHandle(fd);

        public override bool IsInvalid => handle.ToInt64() < 0;

        protected override bool ReleaseHandle() => LibC.close((int)handle) == 0;
    }
}
