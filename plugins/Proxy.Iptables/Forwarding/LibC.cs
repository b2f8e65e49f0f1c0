using System.Runtime.InteropServices;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>The libc calls the proxy makes itself (Linux): <see cref="SocketLoop"/> and <see cref="KernelSplice"/>.</summary>
internal static class LibC
{
#pragma warning disable SYSLIB1054 // DllImport keeps the plugin free of AllowUnsafeBlocks (all arguments are blittable).
#pragma warning disable CA5392 // libc is a system library.
    [DllImport("libc", SetLastError = true)]
    internal static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    internal static extern int epoll_ctl(int epfd, int op, int fd, [In] byte[] ev);

    [DllImport("libc", SetLastError = true)]
    internal static extern int epoll_wait(int epfd, [Out] byte[] events, int maxEvents, int timeout);

    [DllImport("libc", SetLastError = true)]
    internal static extern int eventfd(uint initval, int flags);

    [DllImport("libc", SetLastError = true)]
    internal static extern nint read(int fd, ref long value, nuint count);

    [DllImport("libc", SetLastError = true)]
    internal static extern nint read(int fd, [Out] byte[] buffer, nuint count);

    [DllImport("libc", SetLastError = true)]
    internal static extern nint write(int fd, ref long value, nuint count);

    [DllImport("libc", SetLastError = true)]
    internal static extern nint recv(int fd, ref byte buffer, nuint length, int flags);

    [DllImport("libc", SetLastError = true)]
    internal static extern nint send(int fd, ref byte buffer, nuint length, int flags);

    [DllImport("libc", SetLastError = true)]
    internal static extern int connect(int fd, ref byte address, int length);

    [DllImport("libc", SetLastError = true)]
    internal static extern int shutdown(int fd, int how);

    [DllImport("libc", SetLastError = true)]
    internal static extern int getsockopt(int fd, int level, int name, ref int value, ref int length);

    [DllImport("libc", SetLastError = true)]
    internal static extern nint splice(int fdIn, IntPtr offIn, int fdOut, IntPtr offOut, nuint len, uint flags);

    [DllImport("libc", SetLastError = true)]
    internal static extern int pipe2([Out] int[] fds, int flags);

    [DllImport("libc", SetLastError = true)]
    internal static extern int fcntl(int fd, int cmd, int arg);

    [DllImport("libc", SetLastError = true)]
    internal static extern int close(int fd);
#pragma warning restore CA5392
#pragma warning restore SYSLIB1054
}
