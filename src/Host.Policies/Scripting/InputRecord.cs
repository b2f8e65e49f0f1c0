using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary>
/// A policy input (a positional record of strings, numbers, booleans, string maps and lists of such
/// records) as plain JavaScript data, and read from JSON for <c>pluginmesh policy eval</c>: field by
/// field in the order its constructor declares them, named in camelCase as scripts see them. One
/// mechanism for every hook, so a binding only says what is particular to it.
/// </summary>
internal static class InputRecord
{
    private sealed record Field(string Name, Type Type, bool Nullable, PropertyInfo Property);

    private static readonly ConcurrentDictionary<Type, Field[]> Shapes = new();
    private static readonly NullabilityInfoContext Nullability = new();

    /// <summary>The value as plain JavaScript data (never a CLR object: its members would be callable).</summary>
    public static JsValue ToJs(Engine engine, object? value) => value switch
    {
        null => JsValue.Null,
        string s => JsString.Create(s),
        bool b => b ? JsBoolean.True : JsBoolean.False,
        int i => JsNumber.Create(i),
        long l => JsNumber.Create(l),
        double d => JsNumber.Create(d),
        IReadOnlyDictionary<string, string> map => Map(engine, map),
        IEnumerable list => new JsArray(engine, [.. list.Cast<object>().Select(item => ToJs(engine, item))]),
        _ => Record(engine, value),
    };

    /// <summary>Reads a <typeparamref name="T"/> from JSON; throws <see cref="PolicyInputException"/> naming the field.</summary>
    public static T Parse<T>(JsonElement element, string path) => (T)Parse(typeof(T), element, path);

    private static JsObject Record(Engine engine, object record)
    {
        var obj = new JsObject(engine);
        foreach (var field in Shape(record.GetType())) obj.FastSetDataProperty(field.Name, ToJs(engine, field.Property.GetValue(record)));
        return obj;
    }

    private static JsObject Map(Engine engine, IReadOnlyDictionary<string, string> map)
    {
        var obj = new JsObject(engine);
        foreach (var (key, value) in map) obj.FastSetDataProperty(key, value);
        return obj;
    }

    private static object Parse(Type type, JsonElement element, string path)
    {
        var fields = Shape(type);
        JsonFields.RequireObject(element, path, [.. fields.Select(f => f.Name)]);
        return Activator.CreateInstance(type, [.. fields.Select(f => Read(f, element, path))])!;
    }

    private static object? Read(Field f, JsonElement e, string path) => f.Type switch
    {
        var t when t == typeof(string) => f.Nullable ? JsonFields.NullableString(e, f.Name, path) : JsonFields.String(e, f.Name, path),
        var t when t == typeof(int) => JsonFields.Int(e, f.Name, path),
        var t when t == typeof(long) => JsonFields.Long(e, f.Name, path),
        var t when t == typeof(double) => JsonFields.Double(e, f.Name, path),
        var t when t == typeof(double?) => JsonFields.NullableDouble(e, f.Name, path),
        var t when t == typeof(bool) => JsonFields.Bool(e, f.Name, path),
        var t when t == typeof(IReadOnlyDictionary<string, string>) => JsonFields.StringMap(e, f.Name, path),
        { IsGenericType: true } t when t.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) => List(t.GetGenericArguments()[0], JsonFields.Array(e, f.Name, path, (item, p) => Parse(t.GetGenericArguments()[0], item, p))),
        _ => throw new NotSupportedException($"policy input field {f.Name} has type {f.Type.Name}, which InputRecord does not carry"),
    };

    private static Array List(Type itemType, IReadOnlyList<object> items)
    {
        var array = Array.CreateInstance(itemType, items.Count);
        for (var i = 0; i < items.Count; i++) array.SetValue(items[i], i);
        return array;
    }

    /// <summary>The record's fields: its (one public) constructor's parameters and the properties they become.</summary>
    private static Field[] Shape(Type type) => Shapes.GetOrAdd(type, static t =>
    {
        var parameters = t.GetConstructors().Single().GetParameters();
        lock (Nullability)
        {
            return [.. parameters.Select(p => new Field(JsonNamingPolicy.CamelCase.ConvertName(p.Name!), p.ParameterType,
                Nullability.Create(p).WriteState == NullabilityState.Nullable, t.GetProperty(p.Name!)!))];
        }
    });
}
