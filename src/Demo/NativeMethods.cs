using System.Runtime.InteropServices;

namespace PluginMesh.Demo;

/// <summary>POSIX calls .NET has no managed API for.</summary>
internal static class NativeMethods
{
    /// <summary>kill(2): sends <paramref name="signal"/> to <paramref name="pid"/>; 0 on success.</summary>
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int Kill(int pid, int signal);

    /// <summary>setns(2) for the calling thread; 0 on success.</summary>
    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int Setns(int fd, int nstype);

    /// <summary>geteuid(2).</summary>
    [DllImport("libc", EntryPoint = "geteuid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern uint Geteuid();
}
