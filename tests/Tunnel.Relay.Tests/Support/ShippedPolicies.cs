using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Host.Policies;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

/// <summary>The real policy engine (Jint) running the repository's policies/ (relay-election.js, relay-selection.js).</summary>
internal static class ShippedPolicies
{
    /// <summary>A new engine; a generous time limit, as the first call on a loaded machine can be slow.</summary>
    public static PolicyEngine Create() => new(
        new PolicyEngineOptions { Directory = RepoPaths.Of("policies"), TimeLimit = TimeSpan.FromSeconds(30), WatchFileSystem = false },
        NullLogger<PolicyEngine>.Instance, TimeProvider.System);
}
