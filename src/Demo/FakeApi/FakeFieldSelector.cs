using System.Text.Json.Nodes;

namespace PluginMesh.Demo.FakeApi;

/// <summary>
/// A Kubernetes field selector (<c>type=kubernetes.io/tls,metadata.name!=x</c>) as kube-apiserver takes
/// it: terms joined by commas, each <c>field=value</c>, <c>field==value</c> or <c>field!=value</c>, on
/// the fields a kind supports — <c>metadata.name</c> and <c>metadata.namespace</c> for every kind
/// (custom resources too), plus <c>type</c> for Secrets. Anything else is refused, as the real server
/// answers 400 "field label not supported".
/// </summary>
public sealed class FakeFieldSelector
{
    private readonly List<(string Field, bool Equal, string Value)> _terms;

    private FakeFieldSelector(List<(string, bool, string)> terms) => _terms = terms;

    /// <summary>Parses <paramref name="text"/> for objects of <paramref name="kind"/>; null text or empty means everything.</summary>
    /// <exception cref="FormatException">A term is malformed or names a field <paramref name="kind"/> does not support.</exception>
    public static FakeFieldSelector Parse(string? text, string kind)
    {
        var terms = new List<(string, bool, string)>();
        foreach (var term in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (field, equal, value) = term.IndexOf("!=", StringComparison.Ordinal) is var ne and > 0
                ? (term[..ne], false, term[(ne + 2)..])
                : term.IndexOf("==", StringComparison.Ordinal) is var ee and > 0
                    ? (term[..ee], true, term[(ee + 2)..])
                    : term.IndexOf('=', StringComparison.Ordinal) is var eq and > 0
                        ? (term[..eq], true, term[(eq + 1)..])
                        : throw new FormatException($"invalid field selector term '{term}': expected field=value or field!=value");
            field = field.Trim();
            if (field is not ("metadata.name" or "metadata.namespace") && !(field == "type" && kind == "Secret"))
                throw new FormatException($"field label not supported: {field}");
            terms.Add((field, equal, value.Trim()));
        }

        return new FakeFieldSelector(terms);
    }

    /// <summary>True when <paramref name="obj"/> satisfies every term.</summary>
    public bool Matches(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        foreach (var (field, equal, value) in _terms)
        {
            JsonNode? node = obj;
            foreach (var part in field.Split('.')) node = (node as JsonObject)?[part];
            var actual = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
            if ((actual == value) != equal) return false;
        }

        return true;
    }
}
