namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>
/// Base of the Circuit Relay v2 messages (specs relay/circuit-v2.md; proto2). Fields with presence are
/// nullable and written only when set, in field order, zero values included (js rejects a missing
/// <c>type</c>); fields of the right number but another wire type, and unknown fields, are skipped;
/// an embedded message that appears twice is merged, as protobuf does. Two messages are equal when
/// their encodings are.
/// </summary>
internal abstract class RelayMessage<T> : IEquatable<T> where T : RelayMessage<T>
{
    /// <summary>Writes the fields that are set.</summary>
    public abstract void WriteTo(ProtoWriter writer);

    /// <summary>Reads fields into this message (later scalars win, repeated fields append, messages merge).</summary>
    /// <exception cref="FormatException">Structurally broken protobuf.</exception>
    public abstract void MergeFrom(ReadOnlySpan<byte> data);

    /// <summary>The message body (no length prefix).</summary>
    public byte[] ToByteArray()
    {
        var writer = new ProtoWriter(64);
        WriteTo(writer);
        return writer.ToArray();
    }

    public bool Equals(T? other) => other is not null && ToByteArray().AsSpan().SequenceEqual(other.ToByteArray());

    public override bool Equals(object? obj) => obj is T other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(ToByteArray());
        return hash.ToHashCode();
    }

    protected static void WriteMessage<TField>(ProtoWriter writer, int field, TField? message) where TField : RelayMessage<TField>
    {
        if (message is not null) writer.WriteBytesField(field, message.ToByteArray());
    }

    protected static void WriteBytes(ProtoWriter writer, int field, byte[]? value)
    {
        if (value is not null) writer.WriteBytesField(field, value);
    }

    protected static void WriteVarint(ProtoWriter writer, int field, ulong? value)
    {
        if (value is { } v) writer.WriteVarintField(field, v);
    }

    /// <summary>An enum or int32 value as protobuf writes it: negative numbers sign-extended to 64 bits.</summary>
    protected static ulong? EnumValue(int? value) => value is { } v ? unchecked((ulong)(long)v) : null;

    /// <summary>The low 32 bits, as protobuf reads an enum or uint32 from a longer varint.</summary>
    protected static uint Low32(ulong value) => unchecked((uint)value);
}
