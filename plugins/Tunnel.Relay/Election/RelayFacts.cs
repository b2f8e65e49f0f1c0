using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.Plugins.Tunnel.Relay.Election;

/// <summary>
/// The facts a relay publishes in its <c>relay</c> offer (<see cref="ServiceOffer.Facts"/>, so they reach
/// its directory record), and how another agent reads them back: its load for <c>rankRelays</c>, the
/// member it is for <c>electRelay</c>. <c>startedAt</c> (Unix seconds) rather than an uptime keeps the
/// offer unchanged while nothing else changes, so the record is not re-signed every round.
/// </summary>
internal static class RelayFacts
{
    public const string Service = "relay";
    public const string Reservations = "reservations";
    public const string Circuits = "circuits";
    public const string BytesPerSecond = "bytesPerSecond";
    public const string Load = "load";
    public const string Cores = "cores";
    public const string MemoryMiB = "memoryMiB";
    public const string StartedAt = "startedAt";
    public const string Public = "public";

    /// <summary>0 (idle) … 1 (full): the fuller of the reservation and circuit tables, to two decimals.</summary>
    public static double LoadOf(int reservations, int maxReservations, int circuits, int maxCircuits)
    {
        static double Share(int used, int max) => max <= 0 ? 1 : Math.Min(1, (double)used / max);
        return Math.Round(Math.Max(Share(reservations, maxReservations), Share(circuits, maxCircuits)), 2);
    }

    /// <summary>Two significant digits: a rate that moves a little does not change the offer (and re-sign the record).</summary>
    public static double Coarse(double value)
    {
        if (value <= 0 || double.IsNaN(value)) return 0;
        var scale = Math.Pow(10, Math.Floor(Math.Log10(value)) - 1);
        return Math.Round(value / scale) * scale;
    }

    /// <summary>This agent's machine facts: processors, memory available to the process (cgroup limit or host memory).</summary>
    public static (int Cores, double MemoryMiB) Machine() =>
        (Environment.ProcessorCount, Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024.0)));

    /// <summary>The relay facts of <paramref name="record"/>, or null when it offers no relay.</summary>
    public static IReadOnlyDictionary<string, double>? Of(NodeRecord? record)
    {
        if (record is null) return null;
        if (record.Offers.TryGetValue(Service, out var facts)) return facts;
        return record.Capabilities.Contains(Service, StringComparer.Ordinal) ? new Dictionary<string, double>() : null;
    }

    /// <summary>A segment member as its directory record shows it (facts it does not publish count as 0, reachability <c>unknown</c>).</summary>
    public static RelayElectionMember Member(string peerId, NodeRecord? record, DateTimeOffset now)
    {
        var facts = Of(record);
        if (facts is null) return new RelayElectionMember(peerId, false, "unknown", false, 0, 0, 0, 0);
        double Get(string name) => facts.TryGetValue(name, out var v) && double.IsFinite(v) ? v : 0;
        var reachability = facts.TryGetValue(Public, out var p) ? (p >= 1 ? "public" : "private") : "unknown";
        var started = Get(StartedAt);
        var uptime = started > 0 ? Math.Max(0, now.ToUnixTimeSeconds() - started) : 0;
        return new RelayElectionMember(peerId, false, reachability, true, (int)Get(Cores), Get(MemoryMiB), uptime, Math.Clamp(Get(Load), 0, 1));
    }
}
