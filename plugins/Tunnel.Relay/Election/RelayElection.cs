using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;

namespace PluginMesh.Plugins.Tunnel.Relay.Election;

/// <summary>What one election round looks at.</summary>
/// <param name="NodeLabel">The Node's <c>pluginmesh.io/relay</c> label, or null.</param>
/// <param name="Reachability">AutoNAT's verdict for this agent.</param>
/// <param name="Segment">This agent (<c>self</c>) and its LAN neighbours.</param>
internal sealed record ElectionInput(string? NodeLabel, Reachability Reachability, IReadOnlyList<RelayElectionMember> Segment);

/// <summary>
/// Decides whether this agent offers the relay hop service: config <c>relay: always|never</c> first, then
/// the Node's <c>pluginmesh.io/relay</c> label (<c>true</c>/<c>false</c>), then <see cref="IRelayElectionPolicy"/>
/// (<c>electRelay</c>) from the segment's facts; without a policy, while AutoNAT says public.
/// </summary>
/// <remarks>
/// Hysteresis, so that seats do not flap while members come and go or loads move: taking a seat is
/// immediate unless the last change is younger than <c>settle</c> (then it waits that long); giving one
/// up needs the policy to have said no for <c>settle</c> without a break. The operator's word (mode,
/// label) applies at once. Not thread-safe: one loop evaluates.
/// </remarks>
internal sealed class RelayElection(RelayOfferMode mode, int want, TimeSpan settle, IRelayElectionPolicy? policy, TimeProvider time)
{
    private const string Label = "pluginmesh.io/relay";

    private ElectionDecision? _pending;
    private bool _settling;

    /// <summary>The decision in force; null before the first round.</summary>
    public ElectionDecision? Current { get; private set; }

    /// <summary>A different answer waiting out the hysteresis; null when none.</summary>
    public ElectionDecision? Pending => _pending;

    /// <summary>Runs one round; returns true when <see cref="Current"/> changed its offer.</summary>
    public bool Evaluate(ElectionInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var now = time.GetUtcNow();
        var (offer, cause, reason) = Decide(input);
        var current = Current;
        if (current is null || cause is "mode" or "label")
        {
            _pending = null;
            Current = current is not null && current.Offer == offer ? current with { Cause = cause, Reason = reason } : new ElectionDecision(offer, cause, reason, now);
            return current is null || current.Offer != offer;
        }
        if (current.Offer == offer)
        {
            _pending = null;
            Current = current with { Cause = cause, Reason = reason };
            return false;
        }
        if (_pending is null || _pending.Offer != offer) _pending = new ElectionDecision(offer, cause, reason, now);
        else _pending = _pending with { Cause = cause, Reason = reason };
        // Taking a seat waits only for the previous policy change to settle (the first answer at start is
        // no change: a relay found public a few seconds later offers at once); giving one up waits for a steady no.
        var wait = offer ? (_settling ? settle - (now - current.Since) : TimeSpan.Zero) : settle - (now - _pending.Since);
        if (wait > TimeSpan.Zero) return false;
        Current = new ElectionDecision(offer, cause, reason, now);
        _pending = null;
        _settling = true;
        return true;
    }

    private (bool Offer, string Cause, string Reason) Decide(ElectionInput input)
    {
        switch (mode)
        {
            case RelayOfferMode.Never:
                return (false, "mode", "relay: never");
            case RelayOfferMode.Always:
                return (true, "mode", "relay: always");
        }
        switch (input.NodeLabel)
        {
            case "true":
                return (true, "label", $"node label {Label}=true");
            case "false":
                return (false, "label", $"node label {Label}=false");
        }
        var reachability = input.Reachability.ToString().ToLowerInvariant();
        if (policy is null)
        {
            var isPublic = input.Reachability == Reachability.Public;
            return (isPublic, "autonat", $"AutoNAT: {reachability} (no election policy: offer while public)");
        }
        var offer = policy.ElectRelay(new RelayElectionInput(input.NodeLabel, want, input.Segment)).Offer;
        var offering = input.Segment.Count(m => m.Offers && !m.Self);
        return (offer, "policy", $"electRelay: {(offer ? "offer" : "decline")} (AutoNAT: {reachability}; segment of {input.Segment.Count}, {offering} other relay(s) offering, want {want})");
    }
}
