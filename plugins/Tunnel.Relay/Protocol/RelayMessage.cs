namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>
/// Base of the Circuit Relay v2 messages (specs relay/circuit-v2.md; proto2). Each message states its
/// fields once, in a <see cref="ProtoSchema{T}"/>: fields with presence are nullable and written only
/// when set, in field order, zero values included (js rejects a missing <c>type</c>); fields of the
/// right number but another wire type, and unknown fields, are skipped; an embedded message that
/// appears twice is merged, as protobuf does. Two messages are equal when their encodings are.
/// </summary>
internal abstract class RelayMessage<T> : IEquatable<T> where T : RelayMessage<T>, new()
{
    /// <summary>The message's fields (a static schema of the concrete type).</summary>
    protected abstract ProtoSchema<T> Schema { get; }

    /// <summary>Parses one message body.</summary>
    /// <exception cref="FormatException">Structurally broken protobuf.</exception>
    public static T Parse(ReadOnlySpan<byte> data)
    {
        var message = new T();
        message.MergeFrom(data);
        return message;
    }

    /// <summary>Writes the fields that are set.</summary>
    public void WriteTo(ProtoWriter writer) => Schema.Write((T)this, writer);

    /// <summary>Reads fields into this message (later scalars win, repeated fields append, messages merge).</summary>
    /// <exception cref="FormatException">Structurally broken protobuf.</exception>
    public void MergeFrom(ReadOnlySpan<byte> data) => Schema.Merge((T)this, data);

    /// <summary>The message body (no length prefix).</summary>
    public byte[] ToByteArray() => Schema.ToByteArray((T)this);

    public bool Equals(T? other) => other is not null && ToByteArray().AsSpan().SequenceEqual(other.ToByteArray());

    public override bool Equals(object? obj) => obj is T other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(ToByteArray());
        return hash.ToHashCode();
    }
}
