namespace PluginMesh.P2p.Protobuf;

/// <summary>
/// The fields of one proto2-style message type, each stated once (number, kind, how to get and set
/// it), serving both <see cref="Write"/> and <see cref="Merge"/>, so that a message class states only
/// its fields. Presence is kept: a field is written when it is set, zero values included, in the order
/// the fields were added. Reading skips unknown fields and known numbers of another wire type; later
/// scalars win, repeated fields append and an embedded message that appears twice is merged, as
/// protobuf does.
/// </summary>
/// <remarks>
/// Build it once (a static field) by chaining the adders; after that it is only read and may be shared
/// between threads. Structurally broken input is the <see cref="ProtoReader"/>'s
/// <see cref="FormatException"/>.
/// </remarks>
/// <typeparam name="T">The message type.</typeparam>
public sealed class ProtoSchema<T> where T : class
{
    private readonly List<Field> _fields = [];

    /// <summary>Reads the current field of <paramref name="reader"/> into <paramref name="message"/>.</summary>
    public delegate void FieldReader(T message, ref ProtoReader reader);

    /// <summary>Adds a field with its own writing and reading.</summary>
    /// <param name="number">Field number.</param>
    /// <param name="wireType">The wire type it is read with (0 varint, 2 length-delimited, …); others are skipped.</param>
    /// <param name="write">Writes the field when it is set.</param>
    /// <param name="read">Reads it into the message.</param>
    /// <returns>This schema.</returns>
    public ProtoSchema<T> Add(int number, int wireType, Action<T, ProtoWriter> write, FieldReader read)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(number);
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(read);
        _fields.Add(new Field(number, wireType, write, read));
        return this;
    }

    /// <summary>Adds an optional <c>bytes</c> field.</summary>
    public ProtoSchema<T> Bytes(int number, Func<T, byte[]?> get, Action<T, byte[]> set) =>
        Add(number, 2,
            (message, writer) =>
            {
                if (get(message) is { } value) writer.WriteBytesField(number, value);
            },
            (T message, ref ProtoReader reader) => set(message, reader.ReadBytes().ToArray()));

    /// <summary>Adds a <c>repeated bytes</c> field kept in the list <paramref name="list"/> returns.</summary>
    public ProtoSchema<T> RepeatedBytes(int number, Func<T, List<byte[]>> list) =>
        Add(number, 2,
            (message, writer) =>
            {
                foreach (var value in list(message)) writer.WriteBytesField(number, value);
            },
            (T message, ref ProtoReader reader) => list(message).Add(reader.ReadBytes().ToArray()));

    /// <summary>Adds an optional <c>uint64</c> field.</summary>
    public ProtoSchema<T> UInt64(int number, Func<T, ulong?> get, Action<T, ulong> set) =>
        Varint(number, get, set);

    /// <summary>Adds an optional <c>uint32</c> field; a longer varint is cut to its low 32 bits, as protobuf reads it.</summary>
    public ProtoSchema<T> UInt32(int number, Func<T, uint?> get, Action<T, uint> set) =>
        Varint(number, message => get(message), (message, value) => set(message, unchecked((uint)value)));

    /// <summary>
    /// Adds an optional <c>int32</c> or enum field: written sign-extended to 64 bits, read as the low
    /// 32 bits of the varint, as protobuf does.
    /// </summary>
    public ProtoSchema<T> Int32(int number, Func<T, int?> get, Action<T, int> set) =>
        Varint(number, message => get(message) is { } value ? unchecked((ulong)(long)value) : null,
            (message, value) => set(message, unchecked((int)value)));

    /// <summary>
    /// Adds an optional embedded message of the type <paramref name="schema"/> describes;
    /// <paramref name="getOrCreate"/> returns the one already present (to merge into) or sets a new one.
    /// </summary>
    public ProtoSchema<T> Message<TField>(int number, ProtoSchema<TField> schema, Func<T, TField?> get, Func<T, TField> getOrCreate)
        where TField : class
    {
        ArgumentNullException.ThrowIfNull(schema);
        return Add(number, 2,
            (message, writer) =>
            {
                if (get(message) is { } value) writer.WriteBytesField(number, schema.ToByteArray(value));
            },
            (T message, ref ProtoReader reader) => schema.Merge(getOrCreate(message), reader.ReadBytes()));
    }

    /// <summary>Writes the fields of <paramref name="message"/> that are set, in the order they were added.</summary>
    public void Write(T message, ProtoWriter writer)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var field in _fields) field.Write(message, writer);
    }

    /// <summary>The encoding of <paramref name="message"/> (no length prefix).</summary>
    public byte[] ToByteArray(T message)
    {
        var writer = new ProtoWriter(64);
        Write(message, writer);
        return writer.ToArray();
    }

    /// <summary>Reads the fields in <paramref name="data"/> into <paramref name="message"/>.</summary>
    /// <exception cref="FormatException">Structurally broken protobuf.</exception>
    public void Merge(T message, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(message);
        var reader = new ProtoReader(data);
        while (reader.Next())
        {
            var known = false;
            foreach (var field in _fields)
            {
                if (field.Number != reader.FieldNumber || field.WireType != reader.WireType) continue;
                field.Read(message, ref reader);
                known = true;
                break;
            }
            if (!known) reader.Skip();
        }
    }

    private ProtoSchema<T> Varint(int number, Func<T, ulong?> get, Action<T, ulong> set) =>
        Add(number, 0,
            (message, writer) =>
            {
                if (get(message) is { } value) writer.WriteVarintField(number, value);
            },
            (T message, ref ProtoReader reader) => set(message, reader.ReadVarint()));

    private sealed record Field(int Number, int WireType, Action<T, ProtoWriter> Write, FieldReader Read);
}
