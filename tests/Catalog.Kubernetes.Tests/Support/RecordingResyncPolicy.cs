using PluginMesh.Abstractions.Policies;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

/// <summary>
/// An <see cref="IResyncPolicy"/> that records every question and answers like the default rules
/// but with delays capped at 50 ms (tests wait on outcomes, not on backoff) and no periodic re-list
/// unless a test asks for one with <see cref="RequestPeriodicRelist"/>.
/// </summary>
public sealed class RecordingResyncPolicy : IResyncPolicy
{
    private readonly Lock _gate = new();
    private readonly List<ResyncInput> _inputs = [];
    private DateTimeOffset? _periodicRequestedAt;

    /// <summary>How long a "no periodic re-list" answer tells the source to wait before asking again.</summary>
    public int PeriodicPollMs { get; set; } = 600000;

    /// <summary>
    /// Makes periodic questions answer yes until a full list newer than this call has been done, as
    /// the real policy does once the period has passed (the source asks again before listing).
    /// </summary>
    public void RequestPeriodicRelist()
    {
        lock (_gate) _periodicRequestedAt = DateTimeOffset.UtcNow;
    }

    public IReadOnlyList<ResyncInput> Inputs
    {
        get { lock (_gate) return _inputs.ToList(); }
    }

    public ResyncDecision ShouldResync(ResyncInput input)
    {
        lock (_gate)
        {
            _inputs.Add(input);
            if (input.Trigger == "periodic" && _periodicRequestedAt is { } requested)
            {
                var lastSync = input.SecondsSinceLastSync < 0 ? DateTimeOffset.MinValue : DateTimeOffset.UtcNow.AddSeconds(-input.SecondsSinceLastSync);
                if (lastSync < requested) return new ResyncDecision(true, 0);
                _periodicRequestedAt = null;
            }
        }

        if (input.Trigger == "periodic") return new ResyncDecision(false, PeriodicPollMs);
        return new ResyncDecision(true, input.ConsecutiveFailures > 0 ? 50 : 0);
    }
}
