using System.Text.Json;
using System.Text.Json.Serialization;

namespace PluginMesh.P2p;

/// <summary>Writes a <see cref="PeerId"/> as its base58btc string and reads one back.</summary>
public sealed class PeerIdJsonConverter : JsonConverter<PeerId>
{
    /// <inheritdoc />
    public override PeerId? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        if (text is null) return null;
        try
        {
            return PeerId.Parse(text);
        }
        catch (FormatException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, PeerId value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.ToString());
    }
}
