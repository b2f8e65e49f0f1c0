using PluginMesh.P2p.Protobuf;

namespace PluginMesh.Plugins.Directory.P2p.Protocol;

/// <summary>Frame payloads: a type byte, then a varint count and the entries (see README "Sync protocol").</summary>
internal static class MessageCodec
{
    public static byte[] EncodeDigest(IReadOnlyList<DigestEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var w = new ProtoWriter();
        w.WriteRawByte((byte)MessageType.Digest);
        w.WriteRawVarint((ulong)entries.Count);
        foreach (var e in entries)
        {
            w.WriteRawString(e.PeerId);
            w.WriteRawString(e.NodeName);
            w.WriteRawUInt64BigEndian((ulong)e.Sequence);
        }
        return w.ToArray();
    }

    public static byte[] EncodeRecords(IEnumerable<SignedNodeRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var encoded = records.Select(RecordCodec.Encode).ToList();
        var w = new ProtoWriter();
        w.WriteRawByte((byte)MessageType.Records);
        w.WriteRawVarint((ulong)encoded.Count);
        foreach (var r in encoded) w.WriteRawBytes(r);
        return w.ToArray();
    }

    public static byte[] EncodeError(string reason)
    {
        var w = new ProtoWriter();
        w.WriteRawByte((byte)MessageType.Error);
        w.WriteRawString(reason.Length > 200 ? reason[..200] : reason);
        return w.ToArray();
    }

    /// <summary>Decodes a frame payload; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static DirectoryMessage Decode(ReadOnlySpan<byte> payload)
    {
        var r = new ProtoReader(payload);
        var type = r.ReadRawByte("message type");
        DirectoryMessage message;
        switch ((MessageType)type)
        {
            case MessageType.Digest:
                var count = r.ReadRawCount("digest count", DirectoryProtocol.MaxDigestEntries);
                var entries = new List<DigestEntry>(count);
                for (var i = 0; i < count; i++)
                {
                    var peer = r.ReadRawString("digest peer id", RecordCodec.MaxTextBytes);
                    var name = r.ReadRawString("digest node name", RecordCodec.MaxNameBytes);
                    var seq = r.ReadRawUInt64BigEndian("digest sequence");
                    if (seq > long.MaxValue) throw new FormatException("digest sequence: out of range");
                    entries.Add(new DigestEntry(peer, name, (long)seq));
                }
                message = new DirectoryMessage(MessageType.Digest, entries, [], null);
                break;
            case MessageType.Records:
                var n = r.ReadRawCount("record count", DirectoryProtocol.RecordsPerFrame);
                var records = new List<byte[]>(n);
                for (var i = 0; i < n; i++) records.Add(r.ReadRawBytes("record", RecordCodec.MaxRecordBytes).ToArray());
                message = new DirectoryMessage(MessageType.Records, [], records, null);
                break;
            case MessageType.Error:
                message = new DirectoryMessage(MessageType.Error, [], [], r.ReadRawString("error reason", 1024));
                break;
            default:
                throw new FormatException($"message type {type} is unknown");
        }
        if (!r.AtEnd) throw new FormatException($"{(MessageType)type} message: trailing bytes");
        return message;
    }
}
