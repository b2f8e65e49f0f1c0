namespace PluginMesh.Plugins.Dns.Mdns.Forwarding;

/// <summary>
/// An upstream response kept for reuse: the message without its OPT record, with every TTL already
/// clamped to the entry's lifetime so clients never hold a record longer than we do.
/// </summary>
internal sealed class CachedResponse
{
    private CachedResponse(byte[] message, int[] ttlOffsets, int questionNameLength, long storedAt, uint lifetime)
    {
        Message = message;
        TtlOffsets = ttlOffsets;
        QuestionNameLength = questionNameLength;
        StoredAt = storedAt;
        Lifetime = lifetime;
    }

    /// <summary>The stored message (header ID and question case are overwritten per client).</summary>
    public byte[] Message { get; }

    /// <summary>Where the TTL fields are.</summary>
    public int[] TtlOffsets { get; }

    /// <summary>Raw length of the question name.</summary>
    public int QuestionNameLength { get; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when stored.</summary>
    public long StoredAt { get; }

    /// <summary>Seconds the entry may be served; 0 means use once, do not cache.</summary>
    public uint Lifetime { get; }

    /// <summary>
    /// Builds the entry. Positive answers live for their smallest TTL (capped); negative ones for the
    /// SOA-derived TTL (capped, RFC 2308 §5) and not at all without an SOA (RFC 2308 §5 "SHOULD NOT").
    /// </summary>
    public static CachedResponse Create(ReadOnlySpan<byte> message, UpstreamResponse info, long now, uint maxTtl, uint maxNegativeTtl)
    {
        uint lifetime;
        if (info.Rcode == DnsRcode.NoError && info.AnswerCount > 0) lifetime = Math.Min(info.MinAnswerTtl, maxTtl);
        else if (info.Rcode is DnsRcode.NoError or DnsRcode.NxDomain && info.NegativeTtl is { } negative) lifetime = Math.Min(negative, maxNegativeTtl);
        else lifetime = 0;

        var length = info.OptOffset >= 0 ? info.OptOffset : message.Length;
        var copy = message[..length].ToArray();
        if (info.OptOffset >= 0)
        {
            var ar = BinaryPrimitives.ReadUInt16BigEndian(copy.AsSpan(10));
            BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(10), (ushort)(ar - 1));
        }
        foreach (var offset in info.TtlOffsets)
        {
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(copy.AsSpan(offset));
            BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(offset), Math.Min(ttl > int.MaxValue ? 0 : ttl, lifetime));
        }
        return new CachedResponse(copy, info.TtlOffsets, info.QuestionNameLength, now, lifetime);
    }

    /// <summary>
    /// Writes the response for one client: its ID, its RD/CD bits, its letter case, TTLs counted
    /// down by <paramref name="elapsedSeconds"/>, and an OPT when it used EDNS. Over
    /// <paramref name="maxSize"/> it writes a truncated reply so the client retries over TCP.
    /// </summary>
    public int Render(in DnsQuery query, Span<byte> output, int maxSize, uint elapsedSeconds)
    {
        var opt = query.HasEdns ? DnsLimits.OptRecordLength : 0;
        var flags = (ushort)((BinaryPrimitives.ReadUInt16BigEndian(Message.AsSpan(2)) & 0x800F) | 0x0080 | (query.Flags & 0x0110));
        if (Message.Length + opt > maxSize)
            return QueryResponder.WriteTruncated(query, output, flags);

        Message.CopyTo(output);
        BinaryPrimitives.WriteUInt16BigEndian(output, query.Id);
        BinaryPrimitives.WriteUInt16BigEndian(output[2..], flags);
        if (QuestionNameLength == query.NameLength) query.NameSpan.CopyTo(output[DnsLimits.HeaderLength..]);
        foreach (var offset in TtlOffsets)
        {
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(output[offset..]);
            BinaryPrimitives.WriteUInt32BigEndian(output[offset..], ttl > elapsedSeconds ? ttl - elapsedSeconds : 0);
        }

        var length = Message.Length;
        if (opt > 0)
        {
            var writer = new DnsWriter(output) { Position = length };
            writer.WriteOpt(DnsLimits.AdvertisedUdpSize, 0);
            length = writer.Position;
            var ar = BinaryPrimitives.ReadUInt16BigEndian(output[10..]);
            BinaryPrimitives.WriteUInt16BigEndian(output[10..], (ushort)(ar + 1));
        }
        return length;
    }
}
