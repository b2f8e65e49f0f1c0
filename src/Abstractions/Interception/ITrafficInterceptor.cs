using System.Net;
using PluginMesh.Abstractions.Catalog;

namespace PluginMesh.Abstractions.Interception;

/// <summary>One intercepted service port: traffic to <see cref="ServiceIp"/>:<see cref="ServicePort"/> goes to the local listener.</summary>
/// <remarks>
/// A <see cref="ServiceIp"/> of <see cref="IPAddress.Any"/> (<see cref="IPAddress.IPv6Any"/> for IPv6) is a node
/// port: it matches <see cref="ServicePort"/> on every address of this node of that family (0.0.0.0 and :: are
/// never service addresses, so the two cannot be confused).
/// </remarks>
public sealed record InterceptRule(IPAddress ServiceIp, int ServicePort, TransportProtocol Protocol, int ListenerPort)
{
    /// <summary>True for a node-port rule (see remarks).</summary>
    public bool IsNodePort => ServiceIp.Equals(IPAddress.Any) || ServiceIp.Equals(IPAddress.IPv6Any);
}

/// <summary>State of the interception rules for status.</summary>
/// <param name="Mode">e.g. <c>iptables</c>, <c>listen</c>.</param>
/// <param name="Rules">Rules currently applied.</param>
/// <param name="LastSync">When the last sync finished.</param>
/// <param name="LastSyncDuration">How long it took.</param>
/// <param name="LastError">Last sync error, or null.</param>
public sealed record InterceptState(string Mode, int Rules, DateTimeOffset? LastSync, TimeSpan? LastSyncDuration, string? LastError);

/// <summary>Installs and removes the rules that steer service traffic to the agent.</summary>
/// <remarks>
/// Thread-safe; syncs are serialized. <see cref="SyncAsync"/> is incremental and idempotent.
/// A failed sync throws <see cref="Plugins.PluginMeshException"/> naming the plugin; the previous
/// rules stay in place.
/// </remarks>
public interface ITrafficInterceptor
{
    /// <summary>Makes the installed rules equal <paramref name="rules"/>.</summary>
    ValueTask SyncAsync(IReadOnlyList<InterceptRule> rules, CancellationToken cancellationToken);

    /// <summary>Removes every rule this agent installed.</summary>
    ValueTask RemoveAllAsync(CancellationToken cancellationToken);

    /// <summary>Current state.</summary>
    InterceptState State { get; }
}
