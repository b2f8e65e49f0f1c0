namespace PluginMesh.Plugins.Dns.Mdns.Wire;

/// <summary>
/// Checks that an upstream response answers our question and records what caching needs. A
/// response that fails any check is treated like no response (it may be spoofed or corrupt).
/// </summary>
internal static class DnsResponseInspector
{
    /// <summary>Inspects <paramref name="message"/> against the question we sent.</summary>
    /// <returns>The facts, or null when the message is not a valid answer to that question.</returns>
    public static UpstreamResponse? Inspect(ReadOnlySpan<byte> message, ushort id, ReadOnlySpan<byte> lowerName, ushort type, ushort klass)
    {
        if (message.Length < DnsLimits.HeaderLength) return null;
        if (BinaryPrimitives.ReadUInt16BigEndian(message) != id) return null;
        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if ((flags & 0x8000) == 0 || BinaryPrimitives.ReadUInt16BigEndian(message[4..]) != 1) return null;
        int an = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        int ns = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        int ar = BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        var truncated = (flags & 0x0200) != 0;

        Span<byte> name = stackalloc byte[DnsLimits.MaxNameLength];
        var pos = DnsLimits.HeaderLength;
        var length = DnsQueryParser.ReadName(message, ref pos, name);
        if (length < 0 || pos + 4 > message.Length) return null;
        var questionNameLength = pos - DnsLimits.HeaderLength;
        DnsQueryParser.ToLower(name[..length], name);
        if (!name[..length].SequenceEqual(lowerName)) return null;
        if (BinaryPrimitives.ReadUInt16BigEndian(message[pos..]) != type || BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 2)..]) != klass) return null;
        pos += 4;

        var offsets = new List<int>();
        var minTtl = uint.MaxValue;
        uint? negative = null;
        var optOffset = -1;
        var total = an + ns + ar;
        for (var i = 0; i < total; i++)
        {
            var start = pos;
            if (!DnsQueryParser.SkipName(message, ref pos) || pos + 10 > message.Length)
                return truncated ? Partial(flags, truncated, an, questionNameLength) : null;
            var rtype = BinaryPrimitives.ReadUInt16BigEndian(message[pos..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(pos + 4)..]);
            if (ttl > int.MaxValue) ttl = 0; // RFC 2181 §8: a TTL with the top bit set means zero
            int rdLength = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 8)..]);
            if (pos + 10 + rdLength > message.Length) return truncated ? Partial(flags, truncated, an, questionNameLength) : null;

            if (rtype == DnsType.Opt)
            {
                if (i == total - 1) optOffset = start;
            }
            else
            {
                offsets.Add(pos + 4);
                if (i < an) minTtl = Math.Min(minTtl, ttl);
                else if (i < an + ns && rtype == DnsType.Soa && rdLength >= 22)
                {
                    var minimum = BinaryPrimitives.ReadUInt32BigEndian(message[(pos + 10 + rdLength - 4)..]);
                    negative = Math.Min(ttl, minimum > int.MaxValue ? 0 : minimum);
                }
            }
            pos += 10 + rdLength;
        }

        return new UpstreamResponse(flags & 0xF, truncated, an, minTtl, negative, [.. offsets], optOffset, questionNameLength);
    }

    // A truncated UDP answer may be cut mid-record; all that matters is the TC bit, so TCP is tried.
    private static UpstreamResponse Partial(ushort flags, bool truncated, int an, int questionNameLength) =>
        new(flags & 0xF, truncated, an, uint.MaxValue, null, [], -1, questionNameLength);
}
