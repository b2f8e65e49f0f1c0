using PluginMesh.Abstractions.Policies;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

/// <summary>
/// An <see cref="IResyncPolicy"/> that records every question and answers like the default rules
/// but with delays capped at 50 ms (tests wait on outcomes, not on backoff) and no periodic re-list.
/// </summary>
public sealed class RecordingResyncPolicy : IResyncPolicy
{
    private readonly Lock _gate = new();
    private readonly List<ResyncInput> _inputs = [];

    public IReadOnlyList<ResyncInput> Inputs
    {
        get { lock (_gate) return _inputs.ToList(); }
    }

    public ResyncDecision ShouldResync(ResyncInput input)
    {
        lock (_gate) _inputs.Add(input);
        if (input.Trigger == "periodic") return new ResyncDecision(false, 600000);
        return new ResyncDecision(true, input.ConsecutiveFailures > 0 ? 50 : 0);
    }
}
