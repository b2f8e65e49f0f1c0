namespace PluginMesh.Host.Policies.Scripting;

/// <summary>Strict reading of CLI input JSON into the policy records, with errors that name the field.</summary>
/// <remarks>
/// Hand-written rather than a serializer so every message carries the JSON path (<c>input.candidates[2].rttMs</c>)
/// and unknown fields are refused: a typo such as <c>rttms</c> must not silently become "never measured".
/// Nullable record fields may be omitted; labels may be omitted (empty); everything else is required.
/// </remarks>
internal static class JsonFields
{
    public static JsonElement Parse(string json, string function)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new PolicyInputException($"{function}: input is not valid JSON: {ex.Message}", ex);
        }
    }

    public static void RequireObject(JsonElement element, string path, params string[] knownFields)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new PolicyInputException($"{path}: expected an object, got {Kind(element)}");
        }

        foreach (var property in element.EnumerateObject())
        {
            if (!knownFields.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new PolicyInputException($"{path}.{property.Name}: unknown field (expected {string.Join(", ", knownFields)})");
            }
        }
    }

    public static string String(JsonElement obj, string name, string path) =>
        Required(obj, name, path) is var e && e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            : throw Wrong(path, name, "a string", e);

    public static string? NullableString(JsonElement obj, string name, string path) =>
        Optional(obj, name) is not { } e ? null
        : e.ValueKind == JsonValueKind.String ? e.GetString() : throw Wrong(path, name, "a string or null", e);

    public static int Int(JsonElement obj, string name, string path) =>
        Required(obj, name, path) is var e && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var value)
            ? value
            : throw Wrong(path, name, "a 32-bit integer", e);

    public static long Long(JsonElement obj, string name, string path) =>
        Required(obj, name, path) is var e && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var value)
            ? value
            : throw Wrong(path, name, "an integer", e);

    public static double Double(JsonElement obj, string name, string path) =>
        Required(obj, name, path) is var e && e.ValueKind == JsonValueKind.Number
            ? e.GetDouble()
            : throw Wrong(path, name, "a number", e);

    public static double? NullableDouble(JsonElement obj, string name, string path) =>
        Optional(obj, name) is not { } e ? null
        : e.ValueKind == JsonValueKind.Number ? e.GetDouble() : throw Wrong(path, name, "a number or null", e);

    public static bool Bool(JsonElement obj, string name, string path) =>
        Required(obj, name, path) is var e && e.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? e.GetBoolean()
            : throw Wrong(path, name, "true or false", e);

    public static IReadOnlyList<T> Array<T>(JsonElement obj, string name, string path, Func<JsonElement, string, T> read)
    {
        var e = Required(obj, name, path);
        if (e.ValueKind != JsonValueKind.Array)
        {
            throw Wrong(path, name, "an array", e);
        }

        var items = new List<T>(e.GetArrayLength());
        var index = 0;
        foreach (var item in e.EnumerateArray())
        {
            items.Add(read(item, $"{path}.{name}[{index}]"));
            index++;
        }

        return items;
    }

    public static IReadOnlyDictionary<string, string> StringMap(JsonElement obj, string name, string path)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Optional(obj, name) is not { } e)
        {
            return map;
        }

        if (e.ValueKind != JsonValueKind.Object)
        {
            throw Wrong(path, name, "an object of strings", e);
        }

        foreach (var property in e.EnumerateObject())
        {
            map[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw new PolicyInputException($"{path}.{name}.{property.Name}: expected a string, got {Kind(property.Value)}");
        }

        return map;
    }

    private static JsonElement Required(JsonElement obj, string name, string path) =>
        obj.TryGetProperty(name, out var e)
            ? e
            : throw new PolicyInputException($"{path}.{name}: required field missing");

    // An optional field's value; null when it is missing or JSON null (the two mean the same here).
    private static JsonElement? Optional(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? e : null;

    private static PolicyInputException Wrong(string path, string name, string expected, JsonElement actual) =>
        new($"{path}.{name}: expected {expected}, got {Kind(actual)}");

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "the number " + e.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => e.ValueKind.ToString(),
    };
}
