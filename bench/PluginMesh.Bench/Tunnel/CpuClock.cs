using System.Diagnostics;
using System.Globalization;

namespace PluginMesh.Bench.Tunnel;

/// <summary>User+system CPU time of this process or of another one (Linux /proc).</summary>
internal static class CpuClock
{
    public static double SelfSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>utime+stime of <paramref name="pid"/> from /proc/&lt;pid&gt;/stat (clock ticks of 1/100 s, Linux USER_HZ).</summary>
    public static double ProcessSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the parenthesised command name, which may itself contain spaces.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime + stime) / 100.0;
    }
}
