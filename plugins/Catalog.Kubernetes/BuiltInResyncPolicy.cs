using PluginMesh.Abstractions.Policies;

namespace PluginMesh.Plugins.Catalog.Kubernetes;

/// <summary>
/// Used only when the host provides no <see cref="IResyncPolicy"/> (unit tests, embedding): the
/// same rules as the host's default and <c>policies/resync.js</c> — re-list at once on startup,
/// reconnect and watch expiry, backing off exponentially after failures; periodic re-list every 600 s.
/// </summary>
internal sealed class BuiltInResyncPolicy : IResyncPolicy
{
    private const double PeriodSeconds = 600;
    private const int MaxBackoffMs = 30000;

    public ResyncDecision ShouldResync(ResyncInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Trigger == "periodic")
        {
            var since = input.SecondsSinceLastSync;
            return since < 0 || since >= PeriodSeconds
                ? new ResyncDecision(true, 0)
                : new ResyncDecision(false, (int)Math.Ceiling((PeriodSeconds - since) * 1000));
        }

        var delay = input.ConsecutiveFailures > 0 ? (int)Math.Min(500 * Math.Pow(2, input.ConsecutiveFailures), MaxBackoffMs) : 0;
        return new ResyncDecision(true, delay);
    }
}
