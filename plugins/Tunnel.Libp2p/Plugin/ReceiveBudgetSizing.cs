using System.Globalization;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

/// <summary>
/// How big the node-wide receive budget is: <c>maxReceiveBufferMiB</c> when set; otherwise half of the
/// memory limit of the cgroup the agent runs in (a pod's <c>resources.limits.memory</c>, a systemd unit's
/// <c>MemoryMax=</c>), so a flood is refused before the kernel's OOM killer is reached; otherwise 512 MiB.
/// </summary>
public static class ReceiveBudgetSizing
{
    /// <summary>Without a configured value or a cgroup limit.</summary>
    public const long Default = 512L << 20;

    /// <summary>Never smaller than this (64 streams' initial windows), however small the limit.</summary>
    public const long Floor = 16L << 20;

    /// <summary>The budget in bytes and where it came from (<c>config</c>, <c>cgroup</c>, <c>default</c>).</summary>
    /// <param name="configuredMiB">The option; 0 = automatic.</param>
    /// <param name="root">Filesystem root (tests point it at a directory shaped like <c>/</c>).</param>
    public static (long Bytes, string Source) Resolve(int configuredMiB, string root = "/")
    {
        if (configuredMiB > 0) return ((long)configuredMiB << 20, "config");
        return MemoryLimit(root) is { } limit ? (Math.Max(limit / 2, Floor), "cgroup") : (Default, "default");
    }

    /// <summary>The memory limit of this process's cgroup (v2, then v1), or null when there is none or it cannot be read.</summary>
    public static long? MemoryLimit(string root = "/")
    {
        var candidates = new List<string>();
        // cgroup v2: "0::/path" in /proc/self/cgroup; inside a container's cgroup namespace the path is "/".
        foreach (var line in ReadLines(Path.Combine(root, "proc/self/cgroup")))
        {
            if (line.StartsWith("0::", StringComparison.Ordinal)) candidates.Add(Path.Combine(root, "sys/fs/cgroup" + line[3..].TrimEnd('/'), "memory.max"));
        }
        candidates.Add(Path.Combine(root, "sys/fs/cgroup/memory.max"));
        candidates.Add(Path.Combine(root, "sys/fs/cgroup/memory/memory.limit_in_bytes"));
        foreach (var file in candidates)
        {
            var text = ReadLines(file).FirstOrDefault()?.Trim();
            // "max" (v2) or a page-rounded 2^63 (v1) means no limit.
            if (text is null || text == "max") continue;
            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes > 0 && bytes < 1L << 60) return bytes;
        }
        return null;
    }

    private static string[] ReadLines(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllLines(path) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
