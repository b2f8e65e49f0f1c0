using System.Text;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>
/// Reads one incoming mDNS packet the way js-libp2p does (a PTR for the service names the peer,
/// <c>dnsaddr=</c> TXT strings from answers or additionals give its addresses), but strictly:
/// every length is checked before use and names go through the unicast parser's loop-proof
/// decompression, so hostile input yields a drop reason, never an exception.
/// </summary>
internal static class MdnsMessageReader
{
    private const ushort TypeTxt = 16;

    /// <summary>Announced TTLs are capped so a peer cannot pin itself in the table for days.</summary>
    public const uint MaxTtl = 3600;

    /// <summary>Classifies <paramref name="message"/>; <paramref name="serviceWire"/> is the lowercase service name.</summary>
    public static MdnsPacket Read(ReadOnlySpan<byte> message, ReadOnlySpan<byte> serviceWire)
    {
        if (message.Length < DnsLimits.HeaderLength) return MdnsPacket.Drop(MdnsDropReason.Malformed);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        int qd = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        var records = BinaryPrimitives.ReadUInt16BigEndian(message[6..]) + BinaryPrimitives.ReadUInt16BigEndian(message[8..]) + BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        var name = new NameBuffer();
        Span<byte> buffer = name;
        var pos = DnsLimits.HeaderLength;

        if ((flags & 0x8000) == 0)
        {
            // js answers when the *first* question is the service, whatever its type; so do we.
            if (qd == 0) return MdnsPacket.Ignored;
            var length = DnsQueryParser.ReadName(message, ref pos, buffer);
            if (length < 0 || pos + 4 > message.Length) return MdnsPacket.Drop(MdnsDropReason.Malformed);
            DnsQueryParser.ToLower(buffer[..length], buffer[..length]);
            return buffer[..length].SequenceEqual(serviceWire) ? MdnsPacket.Query : MdnsPacket.Ignored;
        }

        if ((flags & 0x7800) != 0) return MdnsPacket.Ignored; // RFC 6762 §18.3: other opcodes are ignored
        for (var i = 0; i < qd; i++)
            if (!DnsQueryParser.SkipName(message, ref pos) || (pos += 4) > message.Length) return MdnsPacket.Drop(MdnsDropReason.Malformed);
        if (records > MdnsLimits.MaxRecords) return MdnsPacket.Drop(MdnsDropReason.TooLarge);

        string? peerName = null;
        byte[]? target = null;
        uint ptrTtl = 0;
        var txt = new List<(byte[] Owner, uint Ttl, string Text)>();
        var txtBytes = 0;
        for (var i = 0; i < records; i++)
        {
            var ownerLength = DnsQueryParser.ReadName(message, ref pos, buffer);
            if (ownerLength < 0 || pos + 10 > message.Length) return MdnsPacket.Drop(MdnsDropReason.Malformed);
            var type = BinaryPrimitives.ReadUInt16BigEndian(message[pos..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(pos + 4)..]);
            int rdLength = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 8)..]);
            var rdStart = pos + 10;
            if (rdStart + rdLength > message.Length) return MdnsPacket.Drop(MdnsDropReason.Malformed);
            pos = rdStart + rdLength;
            var owner = buffer[..ownerLength];
            DnsQueryParser.ToLower(owner, owner);

            if (type == DnsType.Ptr && peerName is null && owner.SequenceEqual(serviceWire))
            {
                var targetBuffer = new NameBuffer();
                Span<byte> targetSpan = targetBuffer;
                var rp = rdStart;
                var targetLength = DnsQueryParser.ReadName(message[..(rdStart + rdLength)], ref rp, targetSpan);
                if (targetLength < 0 || rp != rdStart + rdLength) return MdnsPacket.Drop(MdnsDropReason.Malformed);
                var t = targetSpan[..targetLength];
                DnsQueryParser.ToLower(t, t);
                // The instance must be exactly one label under the service (RFC 6763 §4.1).
                if (t[0] == 0 || t.Length != 1 + t[0] + serviceWire.Length || !t[(1 + t[0])..].SequenceEqual(serviceWire))
                    return MdnsPacket.Drop(MdnsDropReason.WrongName);
                peerName = Encoding.UTF8.GetString(t.Slice(1, t[0]));
                target = t.ToArray();
                ptrTtl = ttl;
            }
            else if (type == TypeTxt)
            {
                var p = rdStart;
                var end = rdStart + rdLength;
                while (p < end)
                {
                    int len = message[p];
                    if (p + 1 + len > end) return MdnsPacket.Drop(MdnsDropReason.Malformed);
                    var s = message.Slice(p + 1, len);
                    p += 1 + len;
                    if (!s.StartsWith("dnsaddr="u8)) continue;
                    txtBytes += len;
                    if (txt.Count >= MdnsLimits.MaxAddresses * 4 || txtBytes > MdnsLimits.MaxAddressBytes * 4)
                        return MdnsPacket.Drop(MdnsDropReason.TooLarge);
                    txt.Add((owner.ToArray(), ttl, Encoding.UTF8.GetString(s[MdnsLimits.TxtPrefix.Length..])));
                }
            }
        }

        if (peerName is null) return MdnsPacket.Ignored;
        return Announce(peerName, target!, ptrTtl, txt);
    }

    private static MdnsPacket Announce(string peerName, byte[] target, uint ptrTtl, List<(byte[] Owner, uint Ttl, string Text)> txt)
    {
        // Prefer TXT records owned by the PTR target (the spec's shape); js does not check owners,
        // so with none matching every TXT in the packet is this peer's, as js reads it.
        var mine = txt.Where(t => t.Owner.AsSpan().SequenceEqual(target)).ToList();
        if (mine.Count == 0) mine = txt;

        PeerId? peerId = null;
        var addresses = new List<Multiaddr>();
        var ttl = Math.Min(ptrTtl, MaxTtl);
        int bad = 0, mismatched = 0, bytes = 0;
        foreach (var (_, recordTtl, text) in mine)
        {
            if (!Multiaddr.TryParse(text, out var address) || !MdnsAddresses.EndsWithPeerId(address!))
            {
                bad++;
                continue;
            }
            var id = MdnsAddresses.LastPeerId(address!)!;
            peerId ??= id;
            if (id != peerId)
            {
                mismatched++;
                continue;
            }
            if (addresses.Contains(address!)) continue;
            addresses.Add(address!);
            bytes += text.Length;
            ttl = Math.Min(ttl, recordTtl);
        }

        if (ptrTtl == 0) return MdnsPacket.Of(new MdnsAnnouncement(peerName, peerId, addresses, 0));
        if (addresses.Count > MdnsLimits.MaxAddresses || bytes > MdnsLimits.MaxAddressBytes) return MdnsPacket.Drop(MdnsDropReason.TooLarge);
        if (peerId is null || addresses.Count == 0)
            return MdnsPacket.Drop(mismatched > 0 ? MdnsDropReason.PeerIdMismatch : MdnsDropReason.BadAddress);
        return MdnsPacket.Of(new MdnsAnnouncement(peerName, peerId, addresses, ttl));
    }
}
