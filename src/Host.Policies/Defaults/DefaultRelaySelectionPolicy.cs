namespace PluginMesh.Host.Policies.Defaults;

/// <summary>
/// Built-in <c>rankRelays</c>: answers whenever policies/relay-selection.js is absent or fails.
/// </summary>
/// <remarks>
/// Rules (policies/relay-selection.js implements exactly the same, a test holds them equal):
/// drop candidates with <c>recentFailures &gt;= 3</c> unless that leaves none; label
/// <c>pluginmesh.io/relay</c> = <c>preferred</c> sorts first and <c>avoid</c> last; within a group
/// order by score <c>(rttMs ?? 500) * (1 + load) + 250 * recentFailures</c>, lower first; ties by
/// PeerId ordinal. Every remaining id is returned (the caller takes the first K); a PeerId listed
/// twice is kept once, at its best rank, so the answer is always a valid subset.
/// Thread-safe and allocation-light: it has no state.
/// </remarks>
public sealed class DefaultRelaySelectionPolicy : IRelaySelectionPolicy
{
    /// <summary>Label a relay's directory record may carry to steer selection.</summary>
    public const string RelayLabel = "pluginmesh.io/relay";

    /// <summary>Failures in the recent window from which a candidate is dropped.</summary>
    public const int FailureCutoff = 3;

    /// <summary>RTT assumed for a relay never measured: pessimistic, but not worse than a failing one.</summary>
    public const double UnmeasuredRttMs = 500;

    /// <summary>Score penalty per recent failure, in RTT milliseconds.</summary>
    public const double FailurePenaltyMs = 250;

    /// <inheritdoc />
    public RelaySelectionResult RankRelays(RelaySelectionInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var candidates = input.Candidates;
        var healthy = candidates.Where(c => c.RecentFailures < FailureCutoff).ToList();
        // Dropping every candidate would leave the agent with no relay at all; a flaky relay beats none.
        IReadOnlyList<RelayCandidate> kept = healthy.Count > 0 ? healthy : candidates;

        var ordered = kept
            .Select(c => (Candidate: c, Group: Group(c), Score: Score(c)))
            .OrderBy(x => x.Group)
            .ThenBy(x => x.Score)
            .ThenBy(x => x.Candidate.PeerId, StringComparer.Ordinal);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var relays = new List<string>(kept.Count);
        foreach (var (candidate, _, _) in ordered)
        {
            if (seen.Add(candidate.PeerId))
            {
                relays.Add(candidate.PeerId);
            }
        }

        return new RelaySelectionResult(relays);
    }

    /// <summary>Lower is better; the same double arithmetic as the script so both agree bit for bit.</summary>
    internal static double Score(RelayCandidate candidate) =>
        ((candidate.RttMs ?? UnmeasuredRttMs) * (1 + candidate.Load)) + (FailurePenaltyMs * candidate.RecentFailures);

    private static int Group(RelayCandidate candidate) =>
        candidate.Labels.TryGetValue(RelayLabel, out var value)
            ? value switch
            {
                "preferred" => 0,
                "avoid" => 2,
                _ => 1,
            }
            : 1;
}
