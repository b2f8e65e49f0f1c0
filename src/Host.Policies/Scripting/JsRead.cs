using Jint.Native.Object;
using Jint.Runtime.Descriptors;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary>Reads a script's answer without running any more script code.</summary>
/// <remarks>
/// Validation happens after the call's limits stopped applying, so it must never call back into
/// JavaScript: only plain objects and arrays are accepted (a Proxy or a class with traps is not a
/// <see cref="JsObject"/>/<see cref="JsArray"/>), and only own data properties are read (a getter is
/// rejected, never invoked). Each method returns null and sets <c>error</c> to say what was wrong.
/// </remarks>
internal static class JsRead
{
    public static ObjectInstance? PlainObject(JsValue value, string what, out string? error)
    {
        if (value is JsObject obj && !value.IsArray())
        {
            error = null;
            return obj;
        }

        error = $"{what} must be a plain object, got {Describe(value)}";
        return null;
    }

    public static JsValue? Property(ObjectInstance obj, string name, out string? error)
    {
        var descriptor = obj.GetOwnProperty(name);
        if (descriptor == PropertyDescriptor.Undefined)
        {
            error = $"missing property '{name}'";
            return null;
        }

        if (!descriptor.IsDataDescriptor() || descriptor.Value is null)
        {
            error = $"property '{name}' must be a plain value, not a getter";
            return null;
        }

        error = null;
        return descriptor.Value;
    }

    // Property <name> of <obj> read as one type; null with <obj> keeps the error PlainObject gave.
    public static bool? BooleanField(ObjectInstance? obj, string name, ref string? error) =>
        obj is null ? null : Property(obj, name, out error) is { } v ? Boolean(v, name, out error) : null;

    public static string? StringField(ObjectInstance? obj, string name, ref string? error) =>
        obj is null ? null : Property(obj, name, out error) is { } v ? String(v, name, out error) : null;

    public static int? IntegerField(ObjectInstance? obj, string name, int min, int max, ref string? error) =>
        obj is null ? null : Property(obj, name, out error) is { } v ? Integer(v, name, min, max, out error) : null;

    public static IReadOnlyList<JsValue>? ArrayField(ObjectInstance? obj, string name, int maxLength, ref string? error) =>
        obj is null ? null : Property(obj, name, out error) is { } v ? Array(v, name, maxLength, out error) : null;

    public static IReadOnlyList<JsValue>? Array(JsValue value, string name, int maxLength, out string? error)
    {
        if (value is not JsArray array)
        {
            error = $"'{name}' must be an array, got {Describe(value)}";
            return null;
        }

        var length = array.Length;
        if (length > maxLength)
        {
            error = $"'{name}' has {length} items, at most {maxLength} allowed";
            return null;
        }

        var items = new JsValue[length];
        for (uint i = 0; i < length; i++)
        {
            var descriptor = array.GetOwnProperty(JsNumber.Create(i));
            if (descriptor == PropertyDescriptor.Undefined || !descriptor.IsDataDescriptor() || descriptor.Value is null)
            {
                error = $"'{name}[{i}]' is missing or a getter";
                return null;
            }

            items[i] = descriptor.Value;
        }

        error = null;
        return items;
    }

    public static int? Integer(JsValue value, string name, int min, int max, out string? error)
    {
        if (!IsKind(value.IsNumber(), value, name, "a number", out error)) return null;

        var number = value.AsNumber();
        if (double.IsNaN(number) || double.IsInfinity(number) || Math.Floor(number) != number)
        {
            error = $"'{name}' must be an integer, got {Format(number)}";
            return null;
        }

        if (number < min || number > max)
        {
            error = $"'{name}' must be within {min}..{max}, got {Format(number)}";
            return null;
        }

        error = null;
        return (int)number;
    }

    public static bool? Boolean(JsValue value, string name, out string? error) =>
        IsKind(value.IsBoolean(), value, name, "a boolean", out error) ? value.AsBoolean() : null;

    public static string? String(JsValue value, string name, out string? error) =>
        IsKind(value.IsString(), value, name, "a string", out error) ? value.AsString() : null;

    // Passes isKind through; when false, error says what the value should have been and what it is.
    private static bool IsKind(bool isKind, JsValue value, string name, string kind, out string? error)
    {
        error = isKind ? null : $"'{name}' must be {kind}, got {Describe(value)}";
        return isKind;
    }

    // Never calls toString() on an object: that could run script code.
    private static string Describe(JsValue value) => value switch
    {
        _ when value.IsUndefined() => "undefined",
        _ when value.IsNull() => "null",
        _ when value.IsString() => "a string",
        _ when value.IsNumber() => "the number " + Format(value.AsNumber()),
        _ when value.IsBoolean() => value.AsBoolean() ? "true" : "false",
        _ when value.IsArray() => "an array",
        _ when value.IsCallable() => "a function",
        _ when value.IsPromise() => "a Promise (policies must be synchronous)",
        _ when value.IsObject() => "a non-plain object",
        _ => value.Type.ToString(),
    };

    private static string Format(double number) => number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
