using System.Text.Json;
using Jint;
using Jint.Native;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary><c>electRelay</c> in policies/relay-election.js.</summary>
internal sealed class RelayElectionBinding : PolicyBinding<RelayElectionInput, RelayElectionDecision>
{
    public static readonly RelayElectionBinding Instance = new();

    private static readonly DefaultRelayElectionPolicy DefaultPolicy = new();

    public override string Name => "relay-election";

    public override string FunctionName => "electRelay";

    /// <summary>A segment of four: this agent (public), a public relay already offering, a NAT'd and an unknown member.</summary>
    public override RelayElectionInput WarmUpInput { get; } = new(null, 2,
    [
        new RelayElectionMember("12D3KooWWarmUpSelf", true, "public", false, 4, 3840, 86_400, 0),
        new RelayElectionMember("12D3KooWWarmUpRelay", false, "public", true, 8, 7680, 3_600.5, 0.35),
        new RelayElectionMember("12D3KooWWarmUpNatted", false, "private", false, 2, 1920, 600, 0),
        new RelayElectionMember("12D3KooWWarmUpUnknown", false, "unknown", false, 4, 3840, 12, 0),
    ]);

    public override RelayElectionDecision Default(RelayElectionInput input) => DefaultPolicy.ElectRelay(input);

    public override JsValue ToJs(Engine engine, RelayElectionInput input)
    {
        var segment = new JsValue[input.Segment.Count];
        for (var i = 0; i < segment.Length; i++)
        {
            var m = input.Segment[i];
            var member = new JsObject(engine);
            member.FastSetDataProperty("peerId", m.PeerId);
            member.FastSetDataProperty("self", m.Self);
            member.FastSetDataProperty("reachability", m.Reachability);
            member.FastSetDataProperty("offers", m.Offers);
            member.FastSetDataProperty("cores", m.Cores);
            member.FastSetDataProperty("memoryMiB", m.MemoryMiB);
            member.FastSetDataProperty("uptimeSeconds", m.UptimeSeconds);
            member.FastSetDataProperty("load", m.Load);
            segment[i] = member;
        }

        var obj = new JsObject(engine);
        obj.FastSetDataProperty("nodeLabel", input.NodeLabel is { } label ? JsString.Create(label) : JsValue.Null);
        obj.FastSetDataProperty("want", input.Want);
        obj.FastSetDataProperty("segment", new JsArray(engine, segment));
        return obj;
    }

    public override RelayElectionDecision? FromJs(JsValue value, RelayElectionInput input, out string? error)
    {
        var obj = JsRead.PlainObject(value, "electRelay result", out error);
        var offerValue = obj is null ? null : JsRead.Property(obj, "offer", out error);
        var offer = offerValue is null ? null : JsRead.Boolean(offerValue, "offer", out error);
        return offer is null ? null : new RelayElectionDecision(offer.Value);
    }

    public override RelayElectionInput ParseInput(JsonElement root, string path)
    {
        JsonFields.RequireObject(root, path, "nodeLabel", "want", "segment");
        var input = new RelayElectionInput(
            JsonFields.NullableString(root, "nodeLabel", path),
            JsonFields.Int(root, "want", path),
            JsonFields.Array(root, "segment", path, ParseMember));
        // The contract: the segment is this agent and its LAN neighbours, so exactly one member is "self".
        var selves = input.Segment.Count(m => m.Self);
        return selves == 1
            ? input
            : throw new PolicyInputException($"{path}.segment: exactly one member must have \"self\": true, found {selves}");
    }

    public override void WriteResult(Utf8JsonWriter writer, RelayElectionDecision result) => writer.WriteBoolean("offer", result.Offer);

    private static RelayElectionMember ParseMember(JsonElement e, string path)
    {
        JsonFields.RequireObject(e, path, "peerId", "self", "reachability", "offers", "cores", "memoryMiB", "uptimeSeconds", "load");
        return new RelayElectionMember(
            JsonFields.String(e, "peerId", path),
            JsonFields.Bool(e, "self", path),
            JsonFields.String(e, "reachability", path),
            JsonFields.Bool(e, "offers", path),
            JsonFields.Int(e, "cores", path),
            JsonFields.Double(e, "memoryMiB", path),
            JsonFields.Double(e, "uptimeSeconds", path),
            JsonFields.Double(e, "load", path));
    }
}
