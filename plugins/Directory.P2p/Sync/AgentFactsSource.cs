using System.Diagnostics;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Directory.P2p.Records;

namespace PluginMesh.Plugins.Directory.P2p.Sync;

/// <summary>This process's agent facts: processor count, memory available (the cgroup limit when there is one), uptime.</summary>
internal static class AgentFactsSource
{
    public static Func<Reachability, AgentFacts> Create(TimeProvider time)
    {
        DateTimeOffset startedAt;
        using (var process = Process.GetCurrentProcess()) startedAt = new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
        return reachability =>
        {
            // TotalAvailableMemoryBytes honours a container's memory limit (cgroup), else physical memory.
            var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024);
            var uptime = Math.Max(0, (long)(time.GetUtcNow() - startedAt).TotalSeconds);
            return new AgentFacts(reachability, Math.Min(Environment.ProcessorCount, AgentFacts.MaxCores),
                Math.Clamp(memory, 0, AgentFacts.MaxMemoryMiB), Math.Min(uptime, AgentFacts.MaxUptimeSeconds));
        };
    }
}
