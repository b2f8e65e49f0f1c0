using System.Runtime.InteropServices;

namespace PluginMesh.Host.Demo;

/// <summary>POSIX calls .NET has no managed API for.</summary>
internal static class NativeMethods
{
    /// <summary>kill(2): sends <paramref name="signal"/> to <paramref name="pid"/>; 0 on success.</summary>
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int Kill(int pid, int signal);
}
