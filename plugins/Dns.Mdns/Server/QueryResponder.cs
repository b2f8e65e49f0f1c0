namespace PluginMesh.Plugins.Dns.Mdns.Server;

/// <summary>Writes responses built here (authoritative answers, errors, truncation) into a caller's buffer.</summary>
internal static class QueryResponder
{
    /// <summary>QR and RA, plus the client's opcode, RD and CD bits.</summary>
    public static ushort ResponseFlags(in DnsQuery query, bool authoritative, int rcode) =>
        (ushort)(0x8000 | (query.Flags & 0x7910) | (authoritative ? 0x0400 : 0) | 0x0080 | (rcode & 0xF));

    /// <summary>
    /// Writes a full response. When it would exceed <paramref name="maxSize"/> the records are left
    /// out and TC is set (RFC 1035 §4.2.1, RFC 7766): the client then asks again over TCP.
    /// </summary>
    public static int Write(in DnsQuery query, Span<byte> output, int maxSize, int rcode, bool authoritative,
        ReadOnlySpan<byte> answers, ushort answerCount, ReadOnlySpan<byte> authority, ushort authorityCount)
    {
        var flags = ResponseFlags(query, authoritative, rcode);
        var opt = query.HasEdns ? DnsLimits.OptRecordLength : 0;
        var size = DnsLimits.HeaderLength + query.NameLength + 4 + answers.Length + authority.Length + opt;
        if (size > maxSize) return WriteTruncated(query, output, flags);

        var writer = new DnsWriter(output);
        writer.WriteHeader(query.Id, flags, 1, answerCount, authorityCount, (ushort)(opt > 0 ? 1 : 0));
        WriteQuestion(ref writer, query);
        writer.WriteBytes(answers);
        writer.WriteBytes(authority);
        if (opt > 0) writer.WriteOpt(DnsLimits.AdvertisedUdpSize, rcode);
        return writer.Position;
    }

    /// <summary>Header and question only, with TC set.</summary>
    public static int WriteTruncated(in DnsQuery query, Span<byte> output, ushort flags)
    {
        var writer = new DnsWriter(output);
        writer.WriteHeader(query.Id, (ushort)(flags | 0x0200), 1, 0, 0, (ushort)(query.HasEdns ? 1 : 0));
        WriteQuestion(ref writer, query);
        if (query.HasEdns) writer.WriteOpt(DnsLimits.AdvertisedUdpSize, flags & 0xF);
        return writer.Position;
    }

    /// <summary>An error response: the question is echoed when it was read, the OPT when the client sent one.</summary>
    public static int WriteError(in DnsQuery query, Span<byte> output, int rcode)
    {
        var writer = new DnsWriter(output);
        var hasQuestion = query.HasQuestion;
        writer.WriteHeader(query.Id, ResponseFlags(query, authoritative: false, rcode), (ushort)(hasQuestion ? 1 : 0), 0, 0, (ushort)(query.HasEdns ? 1 : 0));
        if (hasQuestion) WriteQuestion(ref writer, query);
        if (query.HasEdns) writer.WriteOpt(DnsLimits.AdvertisedUdpSize, rcode);
        return writer.Position;
    }

    private static void WriteQuestion(ref DnsWriter writer, in DnsQuery query)
    {
        writer.WriteBytes(query.NameSpan);
        writer.WriteUInt16(query.Type);
        writer.WriteUInt16(query.Class);
    }
}
