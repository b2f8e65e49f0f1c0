using System.Runtime;
using System.Runtime.Loader;

namespace PluginMesh.Host.Admin;

/// <summary>
/// The <c>process</c> section of <c>/status</c>: where the agent's memory goes — resident set split into
/// anonymous and file-backed pages, the GC heap, JIT-compiled code, and assemblies per load context
/// (the host's and one per plugin). The same figures are exported as the runtime's own
/// <c>System.Runtime</c> metrics (<c>dotnet.process.memory.working_set</c>, <c>dotnet.gc.*</c>, <c>dotnet.jit.*</c>).
/// </summary>
internal sealed class ProcessStatusSection : IHostStatusSection
{
    // The order of GCMemoryInfo.GenerationInfo.
    private static readonly string[] Generations = ["gen0", "gen1", "gen2", "loh", "poh"];

    public string Section => "process";

    public object GetStatus()
    {
        var gc = GC.GetGCMemoryInfo();
        return new
        {
            rss = ReadStatusBytes(),
            gc = new
            {
                heapSizeBytes = gc.HeapSizeBytes,
                committedBytes = gc.TotalCommittedBytes,
                fragmentedBytes = gc.FragmentedBytes,
                limitBytes = gc.TotalAvailableMemoryBytes,
                collections = new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) },
                // What each generation held after the last collection: buffers that lived long enough to
                // be promoted show here (gen2, and the large object heap for arrays of 85 000 bytes or more).
                generations = Generations.Select((name, i) => new
                {
                    name,
                    sizeBytes = i < gc.GenerationInfo.Length ? gc.GenerationInfo[i].SizeAfterBytes : 0,
                    fragmentedBytes = i < gc.GenerationInfo.Length ? gc.GenerationInfo[i].FragmentationAfterBytes : 0,
                }).ToList(),
                allocatedBytes = GC.GetTotalAllocatedBytes(),
                server = GCSettings.IsServerGC,
                latencyMode = GCSettings.LatencyMode.ToString(),
            },
            jit = new
            {
                methods = System.Runtime.JitInfo.GetCompiledMethodCount(),
                ilBytes = System.Runtime.JitInfo.GetCompiledILBytes(),
                timeMs = Math.Round(System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds),
            },
            loadContexts = AssemblyLoadContext.All
                .Select(c => new { name = c.Name ?? c.GetType().Name, assemblies = c.Assemblies.Count() })
                .OrderByDescending(c => c.assemblies).ToList(),
        };
    }

    // VmRSS and its parts RssAnon, RssFile, RssShmem from /proc/self/status, in bytes (absent where there is no /proc).
    private static Dictionary<string, long> ReadStatusBytes()
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        if (!File.Exists("/proc/self/status")) return result;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            var key = line[..colon] switch
            {
                "VmRSS" => "residentBytes",
                "RssAnon" => "anonymousBytes",
                "RssFile" => "fileBytes",
                "RssShmem" => "sharedMemoryBytes",
                _ => null,
            };
            if (key is null) continue;
            var value = line[(colon + 1)..].Trim();
            if (value.EndsWith(" kB", StringComparison.Ordinal) && long.TryParse(value[..^3], out var kib))
                result[key] = kib * 1024;
        }
        return result;
    }
}
