namespace PluginMesh.Plugins.Dns.Mdns.Wire;

/// <summary>
/// Parses a query: header, the single question, and the OPT record among the other sections.
/// Hand-written because it runs for every packet: no allocation, bounded work, and every length is
/// checked before it is used, so hostile input yields a status, never an exception.
/// </summary>
internal static class DnsQueryParser
{
    /// <summary>Parses <paramref name="message"/> into <paramref name="query"/>.</summary>
    /// <remarks>When the status is not <see cref="ParseStatus.Drop"/>, Id and Flags are valid; the question only when <see cref="DnsQuery.HasQuestion"/>.</remarks>
    public static ParseStatus Parse(ReadOnlySpan<byte> message, out DnsQuery query)
    {
        query = default;
        if (message.Length < DnsLimits.HeaderLength) return ParseStatus.Drop;

        query.Id = BinaryPrimitives.ReadUInt16BigEndian(message);
        query.Flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if ((query.Flags & 0x8000) != 0) return ParseStatus.Drop;
        if (query.Opcode != 0) return ParseStatus.NotImp;

        int qd = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        int an = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        int ns = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        int ar = BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        if (qd != 1) return ParseStatus.FormErr;

        var pos = DnsLimits.HeaderLength;
        var nameLength = ReadName(message, ref pos, query.Name);
        if (nameLength < 0 || pos + 4 > message.Length) return ParseStatus.FormErr;
        var type = BinaryPrimitives.ReadUInt16BigEndian(message[pos..]);
        var klass = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 2)..]);
        pos += 4;

        var badVersion = false;
        var records = an + ns + ar;
        for (var i = 0; i < records; i++)
        {
            var isRoot = pos < message.Length && message[pos] == 0;
            if (!SkipName(message, ref pos) || pos + 10 > message.Length) return ParseStatus.FormErr;
            var rtype = BinaryPrimitives.ReadUInt16BigEndian(message[pos..]);
            var rclass = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 2)..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(pos + 4)..]);
            int rdLength = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 8)..]);
            pos += 10;
            if (pos + rdLength > message.Length) return ParseStatus.FormErr;
            pos += rdLength;

            if (rtype != DnsType.Opt) continue;
            // RFC 6891 §6.1.1: one OPT, owner is the root, additional section only.
            if (query.HasEdns || !isRoot || i < an + ns) return ParseStatus.FormErr;
            query.HasEdns = true;
            query.EdnsUdpSize = Math.Max(rclass, (ushort)DnsLimits.ClassicUdpSize);
            badVersion = ((ttl >> 16) & 0xFF) != 0;
        }

        // The question is only committed once the whole message checked out.
        query.NameLength = nameLength;
        query.Type = type;
        query.Class = klass;
        return badVersion ? ParseStatus.BadVers : ParseStatus.Ok;
    }

    /// <summary>
    /// Reads a possibly compressed name at <paramref name="pos"/> into <paramref name="output"/>.
    /// Every pointer must land before the start of the run of labels it ends, so the runs move
    /// strictly backwards and no loop is possible, whatever the packet holds.
    /// </summary>
    /// <returns>The decompressed wire length including the root byte, or -1 when malformed.</returns>
    public static int ReadName(ReadOnlySpan<byte> message, ref int pos, Span<byte> output)
    {
        var p = pos;
        var written = 0;
        var jumped = false;
        var segmentStart = pos;
        while (true)
        {
            if (p >= message.Length) return -1;
            var b = message[p];
            if (b == 0)
            {
                if (written + 1 > DnsLimits.MaxNameLength) return -1;
                output[written++] = 0;
                if (!jumped) pos = p + 1;
                return written;
            }

            switch (b & 0xC0)
            {
                case 0xC0:
                    if (p + 1 >= message.Length) return -1;
                    var target = ((b & 0x3F) << 8) | message[p + 1];
                    if (target >= segmentStart) return -1;
                    segmentStart = target;
                    if (!jumped)
                    {
                        pos = p + 2;
                        jumped = true;
                    }
                    p = target;
                    break;
                case 0x00:
                    // Room for this label and the final root byte.
                    if (p + 1 + b > message.Length || written + 1 + b + 1 > DnsLimits.MaxNameLength) return -1;
                    message.Slice(p, 1 + b).CopyTo(output[written..]);
                    written += 1 + b;
                    p += 1 + b;
                    break;
                default:
                    return -1; // 0x40 / 0x80: extended and reserved label types (RFC 6891 §5)
            }
        }
    }

    /// <summary>Steps over a name without decompressing it (pointers end a name).</summary>
    public static bool SkipName(ReadOnlySpan<byte> message, ref int pos)
    {
        var p = pos;
        var length = 0;
        while (true)
        {
            if (p >= message.Length) return false;
            var b = message[p];
            if (b == 0)
            {
                pos = p + 1;
                return true;
            }

            switch (b & 0xC0)
            {
                case 0xC0:
                    if (p + 1 >= message.Length) return false;
                    pos = p + 2;
                    return true;
                case 0x00:
                    length += 1 + b;
                    if (length + 1 > DnsLimits.MaxNameLength) return false;
                    p += 1 + b;
                    break;
                default:
                    return false;
            }
        }
    }

    /// <summary>ASCII-lowercases a wire name (length bytes are at most 63, below 'A', so they are untouched).</summary>
    public static void ToLower(ReadOnlySpan<byte> name, Span<byte> output)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var b = name[i];
            output[i] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
        }
    }
}
