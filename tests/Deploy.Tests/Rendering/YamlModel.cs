using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PluginMesh.Deploy.Tests.Rendering;

/// <summary>
/// YAML as plain .NET values (Dictionary, List, string, long, double, bool, null), with plain scalars
/// resolved the way Kubernetes' YAML 1.1 reader does (quoted scalars stay strings). Comparing these
/// values is what "semantically equal" means in these tests: layout, quoting style and key order do
/// not matter, types do (<c>"true"</c> and <c>true</c> differ, as they do to the API server).
/// </summary>
public static partial class YamlModel
{
    public static List<object?> LoadAll(string text)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(text)) stream.Load(reader);
        return stream.Documents.Select(d => Convert(d.RootNode)).Where(d => d is not null).ToList();
    }

    public static object? Load(string text) => LoadAll(text) is [var one] ? one : throw new FormatException("expected exactly one YAML document");

    private static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(
            kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => Convert(kv.Value), StringComparer.Ordinal),
        YamlSequenceNode seq => seq.Children.Select(Convert).ToList(),
        YamlScalarNode s when s.Style is ScalarStyle.Plain => Resolve(s.Value ?? ""),
        YamlScalarNode s => s.Value ?? "",
        _ => throw new FormatException($"unsupported YAML node {node.NodeType}"),
    };

    /// <summary>The type a plain (unquoted) scalar has for Kubernetes: null, bool, int, float or string.</summary>
    public static object? Resolve(string plain)
    {
        if (plain is "" or "~" or "null" or "Null" or "NULL") return null;
        if (plain is "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON") return true;
        if (plain is "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF") return false;
        if (IntPattern().IsMatch(plain)) return long.Parse(plain, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        if (FloatPattern().IsMatch(plain)) return double.Parse(plain, NumberStyles.Float, CultureInfo.InvariantCulture);
        return plain;
    }

    /// <summary>Helm's toYaml: block style, keys sorted, no trailing newline; <c>{}</c> / <c>[]</c> when empty.</summary>
    public static string ToYaml(object? value)
    {
        var lines = new List<string>();
        Emit(value, lines);
        return string.Join('\n', lines);
    }

    private static void Emit(object? value, List<string> lines)
    {
        switch (value)
        {
            case IDictionary<string, object?> { Count: > 0 } map:
                foreach (var key in map.Keys.Order(StringComparer.Ordinal))
                {
                    var child = map[key];
                    if (IsBlock(child))
                    {
                        lines.Add(Scalar(key) + ":");
                        var nested = new List<string>();
                        Emit(child, nested);
                        // Sequences under a key are not indented (as Go's yaml writes them); maps are.
                        var pad = child is IList<object?> ? "" : "  ";
                        lines.AddRange(nested.Select(l => pad + l));
                    }
                    else
                    {
                        lines.Add(Scalar(key) + ": " + Inline(child));
                    }
                }
                break;
            case IList<object?> { Count: > 0 } list:
                foreach (var item in list)
                {
                    if (!IsBlock(item)) { lines.Add("- " + Inline(item)); continue; }
                    var nested = new List<string>();
                    Emit(item, nested);
                    lines.Add("- " + nested[0]);
                    lines.AddRange(nested.Skip(1).Select(l => "  " + l));
                }
                break;
            default:
                lines.Add(Inline(value));
                break;
        }
    }

    private static bool IsBlock(object? v) => v is IDictionary<string, object?> { Count: > 0 } or IList<object?> { Count: > 0 };

    private static string Inline(object? v) => v switch
    {
        null => "null",
        IDictionary<string, object?> => "{}",
        IList<object?> => "[]",
        string s => Scalar(s),
        _ => Format(v),
    };

    /// <summary>Go's %v for scalars: what <c>{{ .Values.x }}</c> prints.</summary>
    public static string Format(object? v) => v switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        int n => n.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => throw new FormatException($"cannot print a {v.GetType().Name} as text (use toYaml)"),
    };

    private static string Scalar(string s)
    {
        var needsQuotes = s.Length == 0
            || Resolve(s) is not string
            || "-?:,[]{}#&*!|>'\"%@`".Contains(s[0], StringComparison.Ordinal)
            || char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1])
            || s.Contains(": ", StringComparison.Ordinal) || s.Contains(" #", StringComparison.Ordinal)
            || s.EndsWith(':') || s.Any(char.IsControl);
        if (!needsQuotes) return s;
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                _ => c.ToString(),
            });
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Deep equality of loaded values; on a difference, <paramref name="where"/> names its path.</summary>
    public static bool DeepEquals(object? a, object? b, string path, out string where)
    {
        where = path;
        switch (a, b)
        {
            case (IDictionary<string, object?> x, IDictionary<string, object?> y):
                foreach (var key in x.Keys.Union(y.Keys).Order(StringComparer.Ordinal))
                {
                    if (!x.TryGetValue(key, out var xv)) { where = $"{path}.{key}: only in the second"; return false; }
                    if (!y.TryGetValue(key, out var yv)) { where = $"{path}.{key}: only in the first"; return false; }
                    if (!DeepEquals(xv, yv, $"{path}.{key}", out where)) return false;
                }
                return true;
            case (IList<object?> x, IList<object?> y):
                if (x.Count != y.Count) { where = $"{path}: {x.Count} items vs {y.Count}"; return false; }
                for (var i = 0; i < x.Count; i++)
                    if (!DeepEquals(x[i], y[i], $"{path}[{i}]", out where)) return false;
                return true;
            default:
                if (Equals(a, b)) return true;
                where = $"{path}: {Describe(a)} vs {Describe(b)}";
                return false;
        }
    }

    private static string Describe(object? v) => v is null ? "null" : $"{v.GetType().Name} '{v}'";

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
