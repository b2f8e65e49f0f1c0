using System.Text.Json;
using System.Text.Json.Serialization;

namespace PluginMesh.P2p;

/// <summary>Writes a <see cref="Multiaddr"/> as its text and reads one back.</summary>
public sealed class MultiaddrJsonConverter : JsonConverter<Multiaddr>
{
    /// <inheritdoc />
    public override Multiaddr? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        if (text is null) return null;
        try
        {
            return Multiaddr.Parse(text);
        }
        catch (FormatException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, Multiaddr value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.ToString());
    }
}
