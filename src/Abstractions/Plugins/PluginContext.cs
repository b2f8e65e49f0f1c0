using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;

namespace PluginMesh.Abstractions.Plugins;

/// <summary>What the host hands a plugin when it registers services. Immutable.</summary>
/// <param name="PluginId">The plugin's id.</param>
/// <param name="Configuration">The plugin's own section (<c>plugins:&lt;id&gt;</c>); empty when absent.</param>
/// <param name="Node">Node-wide settings.</param>
/// <param name="Meter">The plugin's meter, named <c>PluginMesh.&lt;id&gt;</c>; exported by the host.</param>
/// <param name="ActivitySource">The plugin's activity source, named like the meter; exported by the host.</param>
public sealed record PluginContext(
    string PluginId,
    IConfiguration Configuration,
    NodeSettings Node,
    Meter Meter,
    ActivitySource ActivitySource);

/// <summary>Settings shared by every plugin on a node.</summary>
/// <param name="NodeName">This node's name (Kubernetes node name on a cluster).</param>
/// <param name="DataDirectory">Writable directory for keys, caches and unpacked files.</param>
/// <param name="PoliciesDirectory">Directory holding <c>*.js</c> policy scripts.</param>
public sealed record NodeSettings(string NodeName, string DataDirectory, string PoliciesDirectory)
{
    /// <summary>The loopback TCP port of the admin endpoint, or null (a unix socket, or not known): never a tunnel target.</summary>
    public int? AdminPort { get; init; }
}
