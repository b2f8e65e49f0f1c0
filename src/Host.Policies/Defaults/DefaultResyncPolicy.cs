namespace PluginMesh.Host.Policies.Defaults;

/// <summary>
/// Built-in <c>shouldResync</c>: answers whenever policies/resync.js is absent or fails.
/// </summary>
/// <remarks>
/// Rules (policies/resync.js implements exactly the same):
/// <list type="bullet">
/// <item><c>startup</c>, <c>reconnected</c>, <c>watch-expired</c> and any unknown trigger: re-list now,
/// or after <c>min(500 * 2^consecutiveFailures, 30000)</c> ms when earlier attempts failed, so a
/// struggling API server is not hammered. An unknown trigger re-lists because a stale cache is the
/// worse failure.</item>
/// <item><c>periodic</c>: re-list when never synced (<c>secondsSinceLastSync &lt; 0</c>) or the last
/// sync is 600 s old; otherwise not yet, and ask again in <c>ceil((600 - since) * 1000)</c> ms.</item>
/// </list>
/// </remarks>
public sealed class DefaultResyncPolicy : IResyncPolicy
{
    /// <summary>Age after which a periodic trigger re-lists.</summary>
    public const double PeriodSeconds = 600;

    /// <summary>Longest back-off after failed syncs.</summary>
    public const int MaxBackoffMs = 30_000;

    /// <inheritdoc />
    public ResyncDecision ShouldResync(ResyncInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Trigger == "periodic")
        {
            var since = input.SecondsSinceLastSync;
            if (since < 0 || since >= PeriodSeconds)
            {
                return new ResyncDecision(true, 0);
            }

            return new ResyncDecision(false, (int)Math.Ceiling((PeriodSeconds - since) * 1000));
        }

        var failures = input.ConsecutiveFailures;
        var delay = failures > 0 ? (int)Math.Min(500 * Math.Pow(2, failures), MaxBackoffMs) : 0;
        return new ResyncDecision(true, delay);
    }
}
