using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies;

namespace PluginMesh.Host.Cli;

/// <summary>
/// The node's policy scripts for a plugin's diagnostic command (<c>p2p dial</c> tries paths and
/// retries hole punches by <c>failover.js</c>, as the agent does). The engine is loaded on the first
/// decision only, so commands that never fail a path pay nothing for it.
/// </summary>
internal sealed class CommandPolicies(PolicyEngineOptions options) : IFailoverPolicy, IDisposable
{
    private readonly Lazy<PolicyEngine> _engine = new(() =>
    {
        var engine = new PolicyEngine(options, NullLogger<PolicyEngine>.Instance, TimeProvider.System);
        engine.Start();
        return engine;
    });

    public FailoverDecision OnFailure(FailureInput input) => _engine.Value.OnFailure(input);

    public void Dispose()
    {
        if (_engine.IsValueCreated) _engine.Value.Dispose();
    }
}
