using System.Globalization;
using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.Plugins.Directory.P2p.Records;

/// <summary>
/// What relay election needs to know about an agent besides its offers: AutoNAT reachability,
/// processor count, memory available, uptime. A version-2 record carries them in a typed block; a
/// <see cref="Abstractions.Directory.NodeRecord"/> shows them as four reserved labels (so scripted
/// policies that already receive a relay's labels see them too). Immutable.
/// </summary>
/// <param name="Reachability">AutoNAT's verdict when the record was signed.</param>
/// <param name="Cores">Processor count.</param>
/// <param name="MemoryMiB">Memory available to the agent (cgroup limit or host memory), MiB.</param>
/// <param name="UptimeSeconds">Seconds since the agent started, when the record was signed.</param>
internal sealed record AgentFacts(Reachability Reachability, int Cores, long MemoryMiB, long UptimeSeconds)
{
    public const string ReachabilityLabel = "pluginmesh.io/reachability";
    public const string CoresLabel = "pluginmesh.io/cores";
    public const string MemoryLabel = "pluginmesh.io/memory-mib";
    public const string UptimeLabel = "pluginmesh.io/uptime-seconds";

    public const int MaxCores = 65_535;
    public const long MaxMemoryMiB = 1L << 32;
    public const long MaxUptimeSeconds = 1L << 40;

    /// <summary>Label keys the facts occupy: configuration and the wire's label list may not use them.</summary>
    public static IReadOnlyList<string> ReservedLabels { get; } = [ReachabilityLabel, CoresLabel, MemoryLabel, UptimeLabel];

    public static bool IsReserved(string key) => ReservedLabels.Contains(key, StringComparer.Ordinal);

    /// <summary>The facts as labels, in their one canonical text form.</summary>
    public IEnumerable<KeyValuePair<string, string>> ToLabels()
    {
        yield return new(ReachabilityLabel, ReachabilityText(Reachability));
        yield return new(CoresLabel, Cores.ToString(CultureInfo.InvariantCulture));
        yield return new(MemoryLabel, MemoryMiB.ToString(CultureInfo.InvariantCulture));
        yield return new(UptimeLabel, UptimeSeconds.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Splits <paramref name="labels"/> into free labels and facts. Null facts when none of the reserved
    /// keys is present; <see cref="ArgumentException"/> when only some are, or one is not canonical.
    /// </summary>
    public static AgentFacts? FromLabels(IReadOnlyDictionary<string, string> labels, out List<KeyValuePair<string, string>> free)
    {
        ArgumentNullException.ThrowIfNull(labels);
        free = [.. labels.Where(l => !IsReserved(l.Key))];
        var present = ReservedLabels.Count(labels.ContainsKey);
        if (present == 0) return null;
        if (present != ReservedLabels.Count) throw new ArgumentException($"agent facts need all of {string.Join(", ", ReservedLabels)}");
        var reachability = labels[ReachabilityLabel] switch
        {
            "unknown" => Reachability.Unknown,
            "public" => Reachability.Public,
            "private" => Reachability.Private,
            var other => throw new ArgumentException($"{ReachabilityLabel}: '{other}' is not unknown, public or private"),
        };
        return new AgentFacts(reachability, (int)Number(labels, CoresLabel, MaxCores), Number(labels, MemoryLabel, MaxMemoryMiB), Number(labels, UptimeLabel, MaxUptimeSeconds));
    }

    public static string ReachabilityText(Reachability reachability) => reachability switch
    {
        Reachability.Public => "public",
        Reachability.Private => "private",
        _ => "unknown",
    };

    private static long Number(IReadOnlyDictionary<string, string> labels, string key, long max)
    {
        var text = labels[key];
        // Canonical decimal only, so a record has exactly one encoding whichever way it was built.
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > max
            || value.ToString(CultureInfo.InvariantCulture) != text)
            throw new ArgumentException($"{key}: '{text}' is not a whole number from 0 to {max}");
        return value;
    }
}
