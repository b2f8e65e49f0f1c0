using System.Text.Json;
using System.Text.Json.Serialization;

namespace PluginMesh.P2p;

/// <summary>Writes a value as its text form (<c>ToString()</c>) and reads one back with the type's parser.</summary>
/// <typeparam name="T">A type whose text form round-trips through <paramref name="parse"/>.</typeparam>
/// <param name="parse">The type's parser; a <see cref="FormatException"/> from it becomes a <see cref="JsonException"/>.</param>
public abstract class TextJsonConverter<T>(Func<string, T> parse) : JsonConverter<T>
    where T : class
{
    /// <inheritdoc />
    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        if (text is null) return null;
        try
        {
            return parse(text);
        }
        catch (FormatException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.ToString());
    }
}
