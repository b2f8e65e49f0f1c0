namespace PluginMesh.Plugins.Gateway.Istio.Config;

/// <summary>
/// A value inside an object being read, with its path (<c>spec.servers[0].port.number</c>) so every
/// complaint names the field. Reading a missing member gives an absent field, never an exception; the
/// <c>Try</c> readers answer false after warning when a present value has the wrong shape.
/// </summary>
internal readonly record struct Field(JsonElement Value, string Path, ObjectProblems Problems)
{
    /// <summary>True when the member exists and is not JSON null.</summary>
    public bool Present => Value.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null);

    /// <summary>The member <paramref name="name"/> of an object (absent when this is no object or lacks it).</summary>
    public Field this[string name] =>
        new(Value.ValueKind == JsonValueKind.Object && Value.TryGetProperty(name, out var member) ? member : default,
            Path.Length == 0 ? name : $"{Path}.{name}", Problems);

    /// <summary>Warns about this field; returns false, for <c>return field.Warn(...)</c>.</summary>
    public bool Warn(string problem)
    {
        Problems.Warn(Path, problem);
        return false;
    }

    /// <summary>An object or absent; anything else is warned about.</summary>
    public bool TryObject(out bool present)
    {
        present = Present;
        return !present || Value.ValueKind == JsonValueKind.Object || Warn($"not an object ({Kind})");
    }

    /// <summary>A string or absent (null).</summary>
    public bool TryString(out string? value)
    {
        value = null;
        if (!Present) return true;
        if (Value.ValueKind != JsonValueKind.String) return Warn($"not a string ({Kind})");
        value = Value.GetString();
        return true;
    }

    /// <summary>A string that is there and not blank.</summary>
    public bool TryRequiredString(out string value)
    {
        value = "";
        if (!Present) return Warn("missing");
        if (!TryString(out var text)) return false;
        if (string.IsNullOrWhiteSpace(text)) return Warn("empty");
        value = text.Trim();
        return true;
    }

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>] or absent (null); a string of digits is taken too.</summary>
    public bool TryInt(int min, int max, out int? value)
    {
        value = null;
        if (!Present) return true;
        long number;
        if (Value.ValueKind == JsonValueKind.Number)
        {
            if (!Value.TryGetInt64(out number)) return Warn($"not a whole number ({Value.GetRawText()})");
        }
        else if (Value.ValueKind != JsonValueKind.String ||
                 !long.TryParse(Value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out number))
        {
            return Warn($"not a number ({Kind})");
        }

        if (number < min || number > max) return Warn($"{number} is outside {min}..{max}");
        value = (int)number;
        return true;
    }

    /// <summary>A duration (<c>1.5s</c>, <c>100ms</c>) or absent (null).</summary>
    public bool TryDuration(out TimeSpan? value)
    {
        value = null;
        if (!TryString(out var text)) return false;
        if (text is null) return true;
        if (!IstioDuration.TryParse(text, out var duration)) return Warn($"not a duration: '{text}' (e.g. 1.5s, 100ms)");
        value = duration;
        return true;
    }

    /// <summary>A boolean or absent (false).</summary>
    public bool TryBool(out bool value)
    {
        value = Value.ValueKind == JsonValueKind.True;
        return !Present || Value.ValueKind is JsonValueKind.True or JsonValueKind.False || Warn($"not true or false ({Kind})");
    }

    /// <summary>The items of a list, or none when absent.</summary>
    public bool TryItems(out List<Field> items)
    {
        items = [];
        if (!Present) return true;
        if (Value.ValueKind != JsonValueKind.Array) return Warn($"not a list ({Kind})");
        var index = 0;
        foreach (var item in Value.EnumerateArray()) items.Add(new Field(item, $"{Path}[{index++}]", Problems));
        return true;
    }

    /// <summary>A list of non-blank strings, or none when absent.</summary>
    public bool TryStrings(out List<string> values)
    {
        values = [];
        if (!TryItems(out var items)) return false;
        foreach (var item in items)
        {
            if (!item.TryRequiredString(out var text)) return false;
            values.Add(text);
        }

        return true;
    }

    /// <summary>The members of an object, or none when absent.</summary>
    public bool TryMembers(out List<(string Name, Field Value)> members)
    {
        members = [];
        if (!Present) return true;
        if (Value.ValueKind != JsonValueKind.Object) return Warn($"not an object ({Kind})");
        foreach (var member in Value.EnumerateObject()) members.Add((member.Name, new Field(member.Value, $"{Path}.{member.Name}", Problems)));
        return true;
    }

    private string Kind => Value.ValueKind.ToString().ToLowerInvariant();
}
