using System.Text.Json;
using Jint.Native;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary><c>electRelay</c> in policies/relay-election.js.</summary>
internal sealed class RelayElectionBinding()
    : PolicyBinding<RelayElectionInput, RelayElectionDecision>("relay-election", "electRelay", new DefaultRelayElectionPolicy().ElectRelay)
{
    public static readonly RelayElectionBinding Instance = new();

    /// <summary>A segment of four: this agent (public), a public relay already offering, a NAT'd and an unknown member.</summary>
    public override RelayElectionInput WarmUpInput { get; } = new(null, 2,
    [
        new RelayElectionMember("12D3KooWWarmUpSelf", true, "public", false, 4, 3840, 86_400, 0),
        new RelayElectionMember("12D3KooWWarmUpRelay", false, "public", true, 8, 7680, 3_600.5, 0.35),
        new RelayElectionMember("12D3KooWWarmUpNatted", false, "private", false, 2, 1920, 600, 0),
        new RelayElectionMember("12D3KooWWarmUpUnknown", false, "unknown", false, 4, 3840, 12, 0),
    ]);

    public override RelayElectionDecision? FromJs(JsValue value, RelayElectionInput input, out string? error)
    {
        var offer = JsRead.BooleanField(JsRead.PlainObject(value, "electRelay result", out error), "offer", ref error);
        return offer is null ? null : new RelayElectionDecision(offer.Value);
    }

    public override RelayElectionInput ParseInput(JsonElement root, string path)
    {
        var input = base.ParseInput(root, path);
        // The contract: the segment is this agent and its LAN neighbours, so exactly one member is "self".
        var selves = input.Segment.Count(m => m.Self);
        return selves == 1
            ? input
            : throw new PolicyInputException($"{path}.segment: exactly one member must have \"self\": true, found {selves}");
    }

    public override void WriteResult(Utf8JsonWriter writer, RelayElectionDecision result) => writer.WriteBoolean("offer", result.Offer);
}
