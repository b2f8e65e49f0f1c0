using PluginMesh.Abstractions.Policies;

namespace PluginMesh.Host.Policies.Defaults;

/// <summary>
/// Built-in <c>electRelay</c>: answers whenever policies/relay-election.js is absent or fails.
/// </summary>
/// <remarks>
/// Rules (policies/relay-election.js implements exactly the same, a test holds them equal):
/// <list type="bullet">
/// <item>the node's <c>pluginmesh.io/relay</c> label <c>false</c>: no; <c>true</c>: yes (the operator decides).</item>
/// <item>otherwise no unless this agent's own reachability is <c>public</c>: peers outside its LAN
/// cannot dial a NAT'd agent, so it cannot serve them.</item>
/// <item>otherwise rank the segment's eligible members: this agent, every member whose reachability is
/// <c>public</c>, and every member whose record says it already offers (a relay its operator forced
/// with the label, or one whose public status this agent has not seen yet, still competes). Order:
/// members with load &lt; 0.9 before saturated ones (so a saturated relay hands its seat over), then
/// cores, memory and uptime, more first, then PeerId in ordinal order. Offer iff fewer than
/// <c>want</c> eligible members rank before this agent.</item>
/// </list>
/// The first member with <c>self: true</c> is this agent; without one the answer is no (unless the label
/// says yes). Every comparison is strict, so two agents never both rank before each other and the
/// members of a segment that see the same records agree on who its relays are.
/// </remarks>
public sealed class DefaultRelayElectionPolicy : IRelayElectionPolicy
{
    /// <summary>Node label an operator sets to <c>true</c> (always offer) or <c>false</c> (never offer).</summary>
    public const string RelayLabel = "pluginmesh.io/relay";

    /// <summary>Load from which a member ranks after every unsaturated one.</summary>
    public const double SaturatedLoad = 0.9;

    private static readonly RelayElectionDecision Offer = new(true);
    private static readonly RelayElectionDecision DoNotOffer = new(false);

    /// <inheritdoc />
    public RelayElectionDecision ElectRelay(RelayElectionInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        switch (input.NodeLabel)
        {
            case "false":
                return DoNotOffer;
            case "true":
                return Offer;
        }

        var segment = input.Segment;
        var selfIndex = -1;
        for (var i = 0; i < segment.Count; i++)
        {
            if (segment[i].Self)
            {
                selfIndex = i;
                break;
            }
        }

        if (selfIndex < 0 || segment[selfIndex].Reachability != "public")
        {
            return DoNotOffer;
        }

        var self = segment[selfIndex];
        var ahead = 0;
        for (var i = 0; i < segment.Count; i++)
        {
            if (i != selfIndex && IsEligible(segment[i]) && RanksBefore(segment[i], self))
            {
                ahead++;
            }
        }

        return ahead < input.Want ? Offer : DoNotOffer;
    }

    private static bool IsEligible(RelayElectionMember member) => member.Reachability == "public" || member.Offers;

    /// <summary>True when <paramref name="a"/> has the better claim to a relay seat than <paramref name="b"/>.</summary>
    internal static bool RanksBefore(RelayElectionMember a, RelayElectionMember b)
    {
        var aSaturated = a.Load >= SaturatedLoad;
        if (aSaturated != b.Load >= SaturatedLoad)
        {
            return !aSaturated;
        }

        if (a.Cores != b.Cores)
        {
            return a.Cores > b.Cores;
        }

        if (a.MemoryMiB != b.MemoryMiB)
        {
            return a.MemoryMiB > b.MemoryMiB;
        }

        if (a.UptimeSeconds != b.UptimeSeconds)
        {
            return a.UptimeSeconds > b.UptimeSeconds;
        }

        // UTF-16 code unit order, which is what JavaScript's < does on strings.
        return string.CompareOrdinal(a.PeerId, b.PeerId) < 0;
    }
}
