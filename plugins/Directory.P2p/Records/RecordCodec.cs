using System.Text;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.P2p;
using PluginMesh.P2p.Protobuf;

namespace PluginMesh.Plugins.Directory.P2p.Records;

/// <summary>
/// The record's canonical binary layout (see README "Record format"). The body is signed with the
/// domain string in front, so a directory signature can never be replayed as another protocol's
/// signature made with the same identity key (and vice versa).
/// </summary>
internal static class RecordCodec
{
    /// <summary>The original layout: what a record without offers or agent facts is still written as.</summary>
    public const byte Version1 = 1;
    /// <summary>Version 1 plus agent facts and offers after the public key.</summary>
    public const byte Version2 = 2;
    public const int MaxRecordBytes = 16 * 1024;
    public const int MaxNameBytes = 253;
    public const int MaxTextBytes = 1024;
    public const int MaxListEntries = 32;
    public const int MaxPublicKeyBytes = 64;
    public const int MaxSignatureBytes = 128;
    public const int MaxOffers = 8;
    public const int MaxServiceBytes = 64;
    public const int MaxOfferFacts = 16;
    public const int MaxFactNameBytes = 32;

    /// <summary>Domain separation string, signed before the body.</summary>
    public static ReadOnlySpan<byte> Domain => "pluginmesh-directory-record:"u8;

    /// <summary>
    /// The canonical body: version 1 when the record has no offers and no agent facts (so records of
    /// agents that publish neither keep their former bytes), else version 2. Throws
    /// <see cref="ArgumentException"/> when a field breaks a limit (our own record is built from config).
    /// </summary>
    public static byte[] EncodeBody(NodeRecord record, ReadOnlySpan<byte> publicKey)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(record.PeerId);
        var facts = AgentFacts.FromLabels(record.Labels, out var free);
        var offers = record.Offers.OrderBy(o => o.Key, StringComparer.Ordinal).ToList();
        var w = new ProtoWriter();
        w.WriteRawByte(facts is null && offers.Count == 0 ? Version1 : Version2);
        w.WriteRawString(Check(record.NodeName, MaxNameBytes, "node name"));
        w.WriteRawString(Check(record.PeerId.ToString(), MaxTextBytes, "peer id"));
        WriteList(w, [.. record.DirectAddresses.Select(a => a.ToString())], "direct address");
        WriteList(w, [.. record.RelayAddresses.Select(a => a.ToString())], "relay address");
        WriteList(w, record.Capabilities, "capability");
        var labels = free.OrderBy(l => l.Key, StringComparer.Ordinal).ToList();
        if (labels.Count > MaxListEntries) throw new ArgumentException($"more than {MaxListEntries} labels");
        w.WriteRawVarint((ulong)labels.Count);
        foreach (var (key, value) in labels)
        {
            w.WriteRawString(Check(key, MaxTextBytes, "label key"));
            w.WriteRawString(Check(value, MaxTextBytes, "label value"));
        }
        if (record.Sequence < 0) throw new ArgumentException("sequence must not be negative");
        w.WriteRawUInt64BigEndian((ulong)record.Sequence);
        w.WriteRawUInt64BigEndian(unchecked((ulong)record.Expires.ToUnixTimeMilliseconds()));
        if (publicKey.Length > MaxPublicKeyBytes) throw new ArgumentException("public key too long");
        w.WriteRawBytes(publicKey);
        if (facts is not null || offers.Count > 0) WriteExtension(w, facts, offers);
        return w.ToArray();
    }

    private static void WriteExtension(ProtoWriter w, AgentFacts? facts, List<KeyValuePair<string, IReadOnlyDictionary<string, double>>> offers)
    {
        w.WriteRawByte(facts is null ? (byte)0 : (byte)1);
        if (facts is not null)
        {
            w.WriteRawByte((byte)facts.Reachability);
            w.WriteRawVarint((ulong)facts.Cores);
            w.WriteRawVarint((ulong)facts.MemoryMiB);
            w.WriteRawVarint((ulong)facts.UptimeSeconds);
        }
        if (offers.Count > MaxOffers) throw new ArgumentException($"more than {MaxOffers} offers");
        w.WriteRawVarint((ulong)offers.Count);
        foreach (var (service, values) in offers)
        {
            w.WriteRawString(Check(service, MaxServiceBytes, "offer service"));
            if (service.Length == 0) throw new ArgumentException("offer service: empty");
            var sorted = values.OrderBy(f => f.Key, StringComparer.Ordinal).ToList();
            if (sorted.Count > MaxOfferFacts) throw new ArgumentException($"offer {service}: more than {MaxOfferFacts} facts");
            w.WriteRawVarint((ulong)sorted.Count);
            foreach (var (name, value) in sorted)
            {
                w.WriteRawString(Check(name, MaxFactNameBytes, "offer fact name"));
                if (!double.IsFinite(value)) throw new ArgumentException($"offer {service}: fact {name} is not a finite number");
                // +0 for -0: one value, one encoding.
                w.WriteRawUInt64BigEndian((ulong)BitConverter.DoubleToInt64Bits(value == 0 ? 0d : value));
            }
        }
    }

    /// <summary>The bytes handed to the signer: domain ‖ body.</summary>
    public static byte[] SigningInput(ReadOnlySpan<byte> body)
    {
        var input = new byte[Domain.Length + body.Length];
        Domain.CopyTo(input);
        body.CopyTo(input.AsSpan(Domain.Length));
        return input;
    }

    /// <summary>Signs <paramref name="record"/> with <paramref name="sign"/> (the node identity).</summary>
    public static SignedNodeRecord Sign(NodeRecord record, ReadOnlySpan<byte> publicKey, Func<byte[], byte[]> sign)
    {
        ArgumentNullException.ThrowIfNull(sign);
        var body = EncodeBody(record, publicKey);
        return new SignedNodeRecord(record, publicKey.ToArray(), body, sign(SigningInput(body)));
    }

    /// <summary>Wire form: body (length-prefixed) then signature (length-prefixed).</summary>
    public static byte[] Encode(SignedNodeRecord signed)
    {
        ArgumentNullException.ThrowIfNull(signed);
        var w = new ProtoWriter(signed.Body.Length + signed.Signature.Length + 8);
        w.WriteRawBytes(signed.Body);
        w.WriteRawBytes(signed.Signature);
        return w.ToArray();
    }

    /// <summary>Decodes the wire form; throws <see cref="FormatException"/> naming the bad field. Does not verify.</summary>
    public static SignedNodeRecord Decode(ReadOnlySpan<byte> wire)
    {
        if (wire.Length > MaxRecordBytes) throw new FormatException($"record: {wire.Length} bytes exceeds {MaxRecordBytes}");
        var outer = new ProtoReader(wire);
        var body = outer.ReadRawBytes("record body", MaxRecordBytes);
        var signature = outer.ReadRawBytes("signature", MaxSignatureBytes);
        if (!outer.AtEnd) throw new FormatException("record: trailing bytes after the signature");

        var r = new ProtoReader(body);
        var version = r.ReadRawByte("version");
        if (version is not (Version1 or Version2)) throw new FormatException($"record: unsupported version {version}");
        var nodeName = r.ReadRawString("node name", MaxNameBytes);
        if (nodeName.Length == 0) throw new FormatException("node name: empty");
        var peerText = r.ReadRawString("peer id", MaxTextBytes);
        // The signed text must be the canonical base58btc form: one PeerId, one encoding.
        if (!PeerId.TryParse(peerText, out var peerId) || peerId!.ToString() != peerText) throw new FormatException($"peer id: '{peerText}' is not a base58btc PeerId");
        var direct = Addresses(ReadList(ref r, "direct addresses"));
        var relay = Addresses(ReadList(ref r, "relay addresses"));
        var capabilities = ReadList(ref r, "capabilities");
        var labelCount = r.ReadRawCount("label count", MaxListEntries);
        var labels = new Dictionary<string, string>(labelCount, StringComparer.Ordinal);
        string? previous = null;
        for (var i = 0; i < labelCount; i++)
        {
            var key = r.ReadRawString("label key", MaxTextBytes);
            if (AgentFacts.IsReserved(key)) throw new FormatException($"labels: '{key}' is reserved for agent facts");
            // Sorted and unique keys keep the encoding canonical: one record, one byte string.
            if (previous is not null && string.CompareOrdinal(previous, key) >= 0) throw new FormatException("labels: keys not in strictly increasing order");
            labels[key] = r.ReadRawString("label value", MaxTextBytes);
            previous = key;
        }
        var sequence = r.ReadRawUInt64BigEndian("sequence");
        if (sequence > long.MaxValue) throw new FormatException("sequence: out of range");
        var expiresMs = unchecked((long)r.ReadRawUInt64BigEndian("expires"));
        if (expiresMs < 0 || expiresMs > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()) throw new FormatException("expires: out of range");
        var publicKey = r.ReadRawBytes("public key", MaxPublicKeyBytes).ToArray();
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> offers = new Dictionary<string, IReadOnlyDictionary<string, double>>();
        if (version == Version2)
        {
            var facts = ReadExtension(ref r, out var read);
            if (facts is null && read.Count == 0) throw new FormatException("record: version 2 without agent facts or offers (version 1 is the encoding)");
            foreach (var l in facts?.ToLabels() ?? []) labels[l.Key] = l.Value;
            offers = read;
        }
        if (!r.AtEnd) throw new FormatException("record: trailing bytes in the body");

        var record = new NodeRecord(nodeName, peerId, direct, relay, capabilities, (long)sequence,
            DateTimeOffset.FromUnixTimeMilliseconds(expiresMs), labels) { Offers = offers };
        return new SignedNodeRecord(record, publicKey, body.ToArray(), signature.ToArray());
    }

    private static AgentFacts? ReadExtension(ref ProtoReader r, out Dictionary<string, IReadOnlyDictionary<string, double>> offers)
    {
        AgentFacts? facts = null;
        var present = r.ReadRawByte("agent facts presence");
        if (present > 1) throw new FormatException($"agent facts presence: {present} is not 0 or 1");
        if (present == 1)
        {
            var reachability = r.ReadRawByte("reachability");
            if (reachability > (byte)Reachability.Private) throw new FormatException($"reachability: unknown value {reachability}");
            var cores = r.ReadRawVarint("cores");
            var memory = r.ReadRawVarint("memory MiB");
            var uptime = r.ReadRawVarint("uptime seconds");
            if (cores > AgentFacts.MaxCores || memory > (ulong)AgentFacts.MaxMemoryMiB || uptime > (ulong)AgentFacts.MaxUptimeSeconds)
                throw new FormatException("agent facts: out of range");
            facts = new AgentFacts((Reachability)reachability, (int)cores, (long)memory, (long)uptime);
        }
        var count = r.ReadRawCount("offer count", MaxOffers);
        offers = new Dictionary<string, IReadOnlyDictionary<string, double>>(count, StringComparer.Ordinal);
        string? previous = null;
        for (var i = 0; i < count; i++)
        {
            var service = r.ReadRawString("offer service", MaxServiceBytes);
            if (service.Length == 0) throw new FormatException("offer service: empty");
            if (previous is not null && string.CompareOrdinal(previous, service) >= 0) throw new FormatException("offers: services not in strictly increasing order");
            previous = service;
            var factCount = r.ReadRawCount("offer fact count", MaxOfferFacts);
            var values = new Dictionary<string, double>(factCount, StringComparer.Ordinal);
            string? previousFact = null;
            for (var j = 0; j < factCount; j++)
            {
                var name = r.ReadRawString("offer fact name", MaxFactNameBytes);
                if (previousFact is not null && string.CompareOrdinal(previousFact, name) >= 0) throw new FormatException($"offer {service}: facts not in strictly increasing order");
                previousFact = name;
                var bits = r.ReadRawUInt64BigEndian("offer fact value");
                var value = BitConverter.Int64BitsToDouble(unchecked((long)bits));
                if (!double.IsFinite(value) || bits == 0x8000_0000_0000_0000UL) throw new FormatException($"offer {service}: fact {name} is not a finite number in canonical form");
                values[name] = value;
            }
            offers[service] = values;
        }
        return facts;
    }

    private static void WriteList(ProtoWriter w, IReadOnlyList<string> values, string what)
    {
        if (values.Count > MaxListEntries) throw new ArgumentException($"more than {MaxListEntries} entries of {what}");
        w.WriteRawVarint((ulong)values.Count);
        foreach (var v in values) w.WriteRawString(Check(v, MaxTextBytes, what));
    }

    private static string[] ReadList(ref ProtoReader r, string field)
    {
        var count = r.ReadRawCount(field + " count", MaxListEntries);
        var values = new string[count];
        for (var i = 0; i < count; i++) values[i] = r.ReadRawString(field, MaxTextBytes);
        return values;
    }

    /// <summary>
    /// The addresses this build understands. One it cannot parse (a protocol added later) stays in the
    /// signed body, which is forwarded as received, but is not offered to path choice.
    /// </summary>
    private static Multiaddr[] Addresses(string[] texts) =>
        [.. texts.Select(t => Multiaddr.TryParse(t, out var a) ? a : null).OfType<Multiaddr>()];

    private static string Check(string value, int maxBytes, string what)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (Encoding.UTF8.GetByteCount(value) > maxBytes) throw new ArgumentException($"{what} longer than {maxBytes} bytes");
        return value;
    }
}
