namespace PluginMesh.Plugins.Dns.Mdns.Wire;

/// <summary>
/// Appends DNS wire data to a span. Callers size the span first (the server's buffers hold a
/// maximal message), so writes are not bounds-checked beyond the span's own checks.
/// </summary>
internal ref struct DnsWriter
{
    private readonly Span<byte> _buffer;

    public DnsWriter(Span<byte> buffer) => _buffer = buffer;

    /// <summary>Bytes written so far.</summary>
    public int Position { get; set; }

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[Position..], value);
        Position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[Position..], value);
        Position += 4;
    }

    public void WriteBytes(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[Position..]);
        Position += bytes.Length;
    }

    /// <summary>Writes a header with the given counts.</summary>
    public void WriteHeader(ushort id, ushort flags, ushort qd, ushort an, ushort ns, ushort ar)
    {
        WriteUInt16(id);
        WriteUInt16(flags);
        WriteUInt16(qd);
        WriteUInt16(an);
        WriteUInt16(ns);
        WriteUInt16(ar);
    }

    /// <summary>Writes an OPT pseudo-record with no options (RFC 6891 §6.1.2).</summary>
    public void WriteOpt(ushort udpSize, int extendedRcode)
    {
        WriteBytes([0]);
        WriteUInt16(DnsType.Opt);
        WriteUInt16(udpSize);
        WriteUInt32((uint)(extendedRcode >> 4) << 24);
        WriteUInt16(0);
    }

    /// <summary>Writes a record header; the caller writes exactly <paramref name="rdLength"/> bytes of data next.</summary>
    public void WriteRecordHeader(scoped ReadOnlySpan<byte> owner, ushort type, uint ttl, ushort rdLength)
    {
        WriteBytes(owner);
        WriteUInt16(type);
        WriteUInt16(DnsType.ClassIn);
        WriteUInt32(ttl);
        WriteUInt16(rdLength);
    }
}
