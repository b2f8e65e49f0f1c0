using PluginMesh.P2p.Protobuf;
using PluginMesh.Plugins.Directory.P2p.Records;

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

    public static byte[] EncodeReconcile(ReconcileMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var w = new ProtoWriter(64 + message.Ranges.Count * 24);
        w.WriteRawByte((byte)MessageType.Reconcile);
        w.WriteRawVarint((ulong)message.Ranges.Count);
        foreach (var range in message.Ranges)
        {
            w.WriteRawBytes(range.UpperBound ?? []);
            w.WriteRawByte((byte)range.Mode);
            switch (range.Mode)
            {
                case RangeMode.Fingerprint:
                    w.WriteRawVarint((ulong)range.Count);
                    foreach (var b in range.Fingerprint!) w.WriteRawByte(b);
                    break;
                case RangeMode.IdList:
                    w.WriteRawVarint((ulong)range.Items!.Count);
                    foreach (var item in range.Items)
                    {
                        foreach (var b in item.Key) w.WriteRawByte(b);
                        w.WriteRawUInt64BigEndian((ulong)item.Sequence);
                    }
                    break;
            }
        }
        w.WriteRawVarint((ulong)message.Needs.Count);
        foreach (var key in message.Needs)
        {
            foreach (var b in key) w.WriteRawByte(b);
        }
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
            case MessageType.Reconcile:
                message = new DirectoryMessage(MessageType.Reconcile, [], [], null, DecodeReconcile(ref r));
                break;
            default:
                throw new FormatException($"message type {type} is unknown");
        }
        if (!r.AtEnd) throw new FormatException($"{(MessageType)type} message: trailing bytes");
        return message;
    }

    /// <summary>
    /// A RECONCILE body: ranges whose bounds strictly increase and end at +∞, listed keys ascending and
    /// inside their range, sizes within <see cref="DirectoryProtocol"/>'s limits.
    /// </summary>
    private static ReconcileMessage DecodeReconcile(ref ProtoReader r)
    {
        var count = r.ReadRawCount("range count", DirectoryProtocol.MaxRanges);
        if (count == 0) throw new FormatException("reconcile: no ranges");
        var ranges = new List<SyncRange>(count);
        byte[]? lower = [];
        var listed = 0;
        for (var i = 0; i < count; i++)
        {
            var boundBytes = r.ReadRawBytes("range bound", Sync.SyncKeys.KeyLength);
            byte[]? upper = boundBytes.Length == 0 ? null : boundBytes.ToArray();
            if (upper is null && i != count - 1) throw new FormatException("reconcile: +∞ bound before the last range");
            if (upper is not null && i == count - 1) throw new FormatException("reconcile: the last range must end at +∞");
            if (Sync.SyncKeys.CompareBounds(lower, upper) >= 0) throw new FormatException("reconcile: range bounds not strictly increasing");
            var mode = r.ReadRawByte("range mode");
            switch ((RangeMode)mode)
            {
                case RangeMode.Skip:
                    ranges.Add(new SyncRange(upper, RangeMode.Skip));
                    break;
                case RangeMode.Fingerprint:
                    var items = r.ReadRawCount("fingerprint item count", 1 << 24);
                    ranges.Add(new SyncRange(upper, RangeMode.Fingerprint, items, r.ReadRawFixed("range fingerprint", DirectoryProtocol.FingerprintBytes)));
                    break;
                case RangeMode.IdList:
                    var n = r.ReadRawCount("listed item count", DirectoryProtocol.MaxListedItems - listed);
                    listed += n;
                    var list = new SyncItem[n];
                    for (var j = 0; j < n; j++)
                    {
                        var key = r.ReadRawFixed("listed key", Sync.SyncKeys.KeyLength);
                        var seq = r.ReadRawUInt64BigEndian("listed sequence");
                        if (seq > long.MaxValue) throw new FormatException("listed sequence: out of range");
                        if (j > 0 && key.AsSpan().SequenceCompareTo(list[j - 1].Key) <= 0) throw new FormatException("reconcile: listed keys not strictly increasing");
                        if (j == 0 && lower is { Length: > 0 } && Sync.SyncKeys.Below(key, lower)) throw new FormatException("reconcile: listed key below its range");
                        if (!Sync.SyncKeys.Below(key, upper)) throw new FormatException("reconcile: listed key above its range");
                        list[j] = new SyncItem(key, (long)seq);
                    }
                    ranges.Add(new SyncRange(upper, RangeMode.IdList, Items: list));
                    break;
                default:
                    throw new FormatException($"reconcile: range mode {mode} is unknown");
            }
            lower = upper;
        }
        var needCount = r.ReadRawCount("need count", DirectoryProtocol.MaxNeeds);
        var needs = new byte[needCount][];
        for (var i = 0; i < needCount; i++) needs[i] = r.ReadRawFixed("needed key", Sync.SyncKeys.KeyLength);
        return new ReconcileMessage(ranges, needs);
    }

    private static byte[] ReadRawFixed(this ref ProtoReader r, string field, int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++) bytes[i] = r.ReadRawByte(field);
        return bytes;
    }
}
