namespace PluginMesh.Host.Policies.Scripting;

/// <summary><c>rankRelays</c> in policies/relay-selection.js.</summary>
internal sealed class RelaySelectionBinding()
    : PolicyBinding<RelaySelectionInput, RelaySelectionResult>("relay-selection", "rankRelays", new DefaultRelaySelectionPolicy().RankRelays)
{
    public static readonly RelaySelectionBinding Instance = new();

    /// <summary>Three candidates: measured and unmeasured RTT, failures, load and the shipped labels.</summary>
    public override RelaySelectionInput WarmUpInput { get; } = new(2,
    [
        new RelayCandidate("12D3KooWWarmUpRelayA", 12.5, 0, 0.1, "directory", new Dictionary<string, string> { ["pluginmesh.io/relay"] = "preferred", ["zone"] = "a" }),
        new RelayCandidate("12D3KooWWarmUpRelayB", null, 1, 0.5, "mdns", new Dictionary<string, string>()),
        new RelayCandidate("12D3KooWWarmUpRelayC", 80, 3, 0.9, "config", new Dictionary<string, string> { ["pluginmesh.io/relay"] = "avoid" }),
    ]);

    public override RelaySelectionResult? FromJs(JsValue value, RelaySelectionInput input, out string? error)
    {
        var obj = JsRead.PlainObject(value, "rankRelays result", out error);
        var items = JsRead.ArrayField(obj, "relays", input.Candidates.Count, ref error);
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

    public override void WriteResult(Utf8JsonWriter writer, RelaySelectionResult result)
    {
        writer.WriteStartArray("relays");
        foreach (var id in result.Relays)
        {
            writer.WriteStringValue(id);
        }

        writer.WriteEndArray();
    }
}
