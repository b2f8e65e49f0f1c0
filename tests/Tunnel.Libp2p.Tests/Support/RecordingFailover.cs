using PluginMesh.Abstractions.Policies;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary>A failover policy that records its inputs and answers with a fixed function.</summary>
internal sealed class RecordingFailover(Func<FailureInput, FailoverDecision> decide) : IFailoverPolicy
{
    public List<FailureInput> Inputs { get; } = [];

    public FailoverDecision OnFailure(FailureInput input)
    {
        lock (Inputs) Inputs.Add(input);
        return decide(input);
    }
}
