using System.Text.Json;
using Jint;
using Jint.Native;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary><c>rankRelays</c> in policies/relay-selection.js.</summary>
internal sealed class RelaySelectionBinding : PolicyBinding<RelaySelectionInput, RelaySelectionResult>
{
    public static readonly RelaySelectionBinding Instance = new();

    private static readonly DefaultRelaySelectionPolicy DefaultPolicy = new();

    public override string Name => "relay-selection";

    public override string FunctionName => "rankRelays";

    /// <summary>Three candidates: measured and unmeasured RTT, failures, load and the shipped labels.</summary>
    public override RelaySelectionInput WarmUpInput { get; } = new(2,
    [
        new RelayCandidate("12D3KooWWarmUpRelayA", 12.5, 0, 0.1, "directory", new Dictionary<string, string> { ["pluginmesh.io/relay"] = "preferred", ["zone"] = "a" }),
        new RelayCandidate("12D3KooWWarmUpRelayB", null, 1, 0.5, "mdns", new Dictionary<string, string>()),
        new RelayCandidate("12D3KooWWarmUpRelayC", 80, 3, 0.9, "config", new Dictionary<string, string> { ["pluginmesh.io/relay"] = "avoid" }),
    ]);

    public override RelaySelectionResult Default(RelaySelectionInput input) => DefaultPolicy.RankRelays(input);

    public override JsValue ToJs(Engine engine, RelaySelectionInput input)
    {
        var candidates = new JsValue[input.Candidates.Count];
        for (var i = 0; i < candidates.Length; i++)
        {
            var c = input.Candidates[i];
            var labels = new JsObject(engine);
            foreach (var (key, value) in c.Labels)
            {
                labels.FastSetDataProperty(key, value);
            }

            var candidate = new JsObject(engine);
            candidate.FastSetDataProperty("peerId", c.PeerId);
            candidate.FastSetDataProperty("rttMs", c.RttMs is { } rtt ? JsNumber.Create(rtt) : JsValue.Null);
            candidate.FastSetDataProperty("recentFailures", c.RecentFailures);
            candidate.FastSetDataProperty("load", c.Load);
            candidate.FastSetDataProperty("source", c.Source);
            candidate.FastSetDataProperty("labels", labels);
            candidates[i] = candidate;
        }

        var obj = new JsObject(engine);
        obj.FastSetDataProperty("want", input.Want);
        obj.FastSetDataProperty("candidates", new JsArray(engine, candidates));
        return obj;
    }

    public override RelaySelectionResult? FromJs(JsValue value, RelaySelectionInput input, out string? error)
    {
        var obj = JsRead.PlainObject(value, "rankRelays result", out error);
        var relaysValue = obj is null ? null : JsRead.Property(obj, "relays", out error);
        var items = relaysValue is null ? null : JsRead.Array(relaysValue, "relays", input.Candidates.Count, out error);
        if (items is null)
        {
            return null;
        }

        var known = new HashSet<string>(input.Candidates.Count, StringComparer.Ordinal);
        foreach (var candidate in input.Candidates)
        {
            known.Add(candidate.PeerId);
        }

        var seen = new HashSet<string>(items.Count, StringComparer.Ordinal);
        var relays = new string[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var id = JsRead.String(items[i], $"relays[{i}]", out error);
            if (id is null)
            {
                return null;
            }

            if (!known.Contains(id))
            {
                error = $"'relays[{i}]' = '{id}' is not a candidate peerId";
                return null;
            }

            if (!seen.Add(id))
            {
                error = $"'relays[{i}]' = '{id}' is listed twice";
                return null;
            }

            relays[i] = id;
        }

        return new RelaySelectionResult(relays);
    }

    public override RelaySelectionInput ParseInput(JsonElement root, string path)
    {
        JsonFields.RequireObject(root, path, "want", "candidates");
        return new RelaySelectionInput(
            JsonFields.Int(root, "want", path),
            JsonFields.Array(root, "candidates", path, ParseCandidate));
    }

    public override void WriteResult(Utf8JsonWriter writer, RelaySelectionResult result)
    {
        writer.WriteStartArray("relays");
        foreach (var id in result.Relays)
        {
            writer.WriteStringValue(id);
        }

        writer.WriteEndArray();
    }

    private static RelayCandidate ParseCandidate(JsonElement e, string path)
    {
        JsonFields.RequireObject(e, path, "peerId", "rttMs", "recentFailures", "load", "source", "labels");
        return new RelayCandidate(
            JsonFields.String(e, "peerId", path),
            JsonFields.NullableDouble(e, "rttMs", path),
            JsonFields.Int(e, "recentFailures", path),
            JsonFields.Double(e, "load", path),
            JsonFields.String(e, "source", path),
            JsonFields.StringMap(e, "labels", path));
    }
}
