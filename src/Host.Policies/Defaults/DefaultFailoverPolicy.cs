namespace PluginMesh.Host.Policies.Defaults;

/// <summary>
/// Built-in <c>onFailure</c>: answers whenever policies/failover.js is absent or fails.
/// </summary>
/// <remarks>
/// Rules (policies/failover.js implements exactly the same):
/// <list type="bullet">
/// <item><c>holepunch</c>: retry while attempt &lt; 3 after <c>1000 * attempt</c> ms (NAT mappings need
/// time to settle, and another path is tried by the caller anyway), then give up.</item>
/// <item>otherwise, with untried alternatives: move to the next one at once.</item>
/// <item>a <c>dial</c> that was <c>refused</c> with no alternative left: give up at once (a refused
/// connection is an answer — nothing listens there — and the caller moves on, the proxy to another endpoint).</item>
/// <item>otherwise retry while attempt &lt; 3 after <c>min(100 * 2^(attempt-1), 2000)</c> ms, then give up.</item>
/// </list>
/// An attempt below 1 (a caller bug) counts as 1 so the delay stays a valid integer.
/// </remarks>
public sealed class DefaultFailoverPolicy : IFailoverPolicy
{
    /// <summary>Attempts after which the operation gives up.</summary>
    public const int MaxAttempts = 3;

    /// <inheritdoc />
    public FailoverDecision OnFailure(FailureInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var attempt = Math.Max(input.Attempt, 1);
        if (input.Operation == "holepunch")
        {
            return attempt < MaxAttempts
                ? new FailoverDecision(FailoverAction.Retry, 1000 * attempt)
                : new FailoverDecision(FailoverAction.GiveUp, 0);
        }

        if (input.Alternatives > 0)
        {
            return new FailoverDecision(FailoverAction.Next, 0);
        }

        if (input.Operation == "dial" && input.Reason == "refused")
        {
            return new FailoverDecision(FailoverAction.GiveUp, 0);
        }

        return attempt < MaxAttempts
            ? new FailoverDecision(FailoverAction.Retry, (int)Math.Min(100 * Math.Pow(2, attempt - 1), 2000))
            : new FailoverDecision(FailoverAction.GiveUp, 0);
    }
}
