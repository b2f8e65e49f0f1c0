using System.Net;

namespace PluginMesh.Plugins.Catalog.File.Parsing;

/// <summary>
/// A YAML mapping read against a fixed set of keys: unknown keys are errors (a misspelt
/// <c>clusterIp</c> silently ignored would publish a service without its address), and every
/// typed read reports its own problem with the field path and line.
/// </summary>
internal sealed class YamlMap
{
    private readonly Dictionary<string, YamlNode> _values = new(StringComparer.Ordinal);
    private readonly ParseContext _context;

    private YamlMap(YamlMappingNode node, string path, ParseContext context)
    {
        Node = node;
        Path = path;
        _context = context;
    }

    public YamlMappingNode Node { get; }

    public string Path { get; }

    /// <summary>Wraps <paramref name="node"/> when it is a mapping with only <paramref name="allowed"/> keys; reports otherwise.</summary>
    public static YamlMap? Open(YamlNode node, string path, ParseContext context, params string[] allowed)
    {
        if (node is not YamlMappingNode mapping)
        {
            context.Error(node, path, "expected a mapping (key: value pairs)");
            return null;
        }

        var map = new YamlMap(mapping, path, context);
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                context.Error(keyNode, path, "keys must be plain strings");
                continue;
            }

            if (!allowed.Contains(key, StringComparer.Ordinal))
            {
                context.Error(keyNode, Join(path, key), $"unknown field; expected one of: {string.Join(", ", allowed)}");
                continue;
            }

            map._values[key] = value;
        }

        return map;
    }

    public bool Has(string key) => _values.ContainsKey(key);

    public YamlNode? Raw(string key) => _values.GetValueOrDefault(key);

    public string FieldPath(string key) => Join(Path, key);

    public void Error(string key, string message)
    {
        if (_values.TryGetValue(key, out var node)) _context.Error(node, FieldPath(key), message);
        else _context.Error(Node, FieldPath(key), message);
    }

    public string? String(string key, bool required = false)
    {
        if (!_values.TryGetValue(key, out var node))
        {
            if (required) _context.Error(Node, FieldPath(key), "required field is missing");
            return null;
        }

        if (node is not YamlScalarNode scalar || scalar.Value is null || IsNull(scalar))
        {
            _context.Error(node, FieldPath(key), "expected a string");
            return null;
        }

        return scalar.Value;
    }

    public int? Int(string key, int min, int max, bool required = false)
    {
        var text = String(key, required);
        if (text is null) return null;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            Error(key, $"'{text}' is not an integer from {min} to {max}");
            return null;
        }

        return value;
    }

    public bool? Bool(string key)
    {
        var text = String(key);
        if (text is null) return null;
        if (bool.TryParse(text, out var value)) return value;
        Error(key, $"'{text}' is not true or false");
        return null;
    }

    public IPAddress? Ip(string key, bool required = false)
    {
        var text = String(key, required);
        if (text is null) return null;
        if (TryParseIp(text, out var ip)) return ip;
        Error(key, $"'{text}' is not an IP address");
        return null;
    }

    /// <summary>The items of a sequence (null when absent, reported when not a sequence).</summary>
    public IReadOnlyList<YamlNode>? Sequence(string key)
    {
        if (!_values.TryGetValue(key, out var node)) return null;
        if (node is YamlSequenceNode seq) return seq.Children.ToList();
        if (node is YamlScalarNode s && IsNull(s)) return [];
        _context.Error(node, FieldPath(key), "expected a list");
        return null;
    }

    /// <summary>A list of strings; items that are not scalars are reported.</summary>
    public IReadOnlyList<(string Value, YamlNode Node, string Path)>? Strings(string key)
    {
        var items = Sequence(key);
        if (items is null) return null;
        var result = new List<(string, YamlNode, string)>();
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{FieldPath(key)}[{i}]";
            if (items[i] is YamlScalarNode { Value: { } v } s && !IsNull(s)) result.Add((v, items[i], path));
            else _context.Error(items[i], path, "expected a string");
        }

        return result;
    }

    /// <summary>A string-to-string mapping such as labels.</summary>
    public IReadOnlyDictionary<string, string>? StringMap(string key)
    {
        if (!_values.TryGetValue(key, out var node)) return null;
        if (node is not YamlMappingNode mapping)
        {
            _context.Error(node, FieldPath(key), "expected a mapping of strings");
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in mapping.Children)
        {
            if (k is YamlScalarNode { Value: { } name } && v is YamlScalarNode { Value: { } value }) result[name] = value;
            else _context.Error(k, FieldPath(key), "labels must map strings to strings");
        }

        return result;
    }

    public static bool TryParseIp(string text, out IPAddress ip)
    {
        // IPAddress.TryParse accepts "10" or "1.2.3" as IPv4 shorthands; a catalog wants dotted quads.
        ip = IPAddress.None;
        if (!IPAddress.TryParse(text, out var parsed)) return false;
        if (parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && text.Count(c => c == '.') != 3) return false;
        ip = parsed;
        return true;
    }

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && (scalar.Value is null or "" or "~" or "null" or "Null" or "NULL");

    private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;
}
