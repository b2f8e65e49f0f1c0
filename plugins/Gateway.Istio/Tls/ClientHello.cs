namespace PluginMesh.Plugins.Gateway.Istio.Tls;

/// <summary>Reads the SNI of a TLS ClientHello (PASSTHROUGH routing).</summary>
/// <remarks>
/// RFC 8446 §5.1 (records), §4.1.2 (ClientHello), RFC 6066 §3 (server_name). The hello may span several
/// handshake records. Every length is checked against what it is nested in, so the answer is exact:
/// <see cref="ClientHelloStatus.NeedMore"/> only while the bytes so far can still begin a valid hello,
/// <see cref="ClientHelloStatus.Invalid"/> as soon as they cannot.
/// </remarks>
public static class ClientHello
{
    /// <summary>Longest ClientHello body accepted (post-quantum key shares make hellos of a few KiB; 64 KiB is far beyond).</summary>
    public const int MaxLength = 64 * 1024;

    private const byte HandshakeRecord = 22;
    private const byte ClientHelloType = 1;
    private const int RecordHeaderLength = 5;
    private const int MaxRecordLength = 1 << 14;
    private const int HandshakeHeaderLength = 4;

    // legacy_version, random, session_id length, cipher_suites length and one suite, compression length and one method.
    private const int MinBodyLength = 2 + 32 + 1 + 2 + 2 + 1 + 1;

    /// <summary>
    /// Parses the TLS record(s) at the start of <paramref name="data"/> (what the client sent so far).
    /// <see cref="ClientHelloStatus.Complete"/> with <paramref name="serverName"/> (null when the hello
    /// has no server_name), <see cref="ClientHelloStatus.NeedMore"/>, or <see cref="ClientHelloStatus.Invalid"/>
    /// for anything else; never throws for any input.
    /// </summary>
    public static ClientHelloStatus TryGetServerName(ReadOnlySpan<byte> data, out string? serverName)
    {
        serverName = null;
        ReadOnlySpan<byte> handshake = default;
        byte[]? joined = null;
        var joinedLength = 0;
        var position = 0;
        var wanted = -1;

        // The records' headers are checked as they come; the body is parsed once, over all that arrived
        // (a hello in a thousand 1-byte records costs one parse, not a thousand).
        while (position < data.Length)
        {
            var rest = data[position..];
            if (rest[0] != HandshakeRecord) return ClientHelloStatus.Invalid;
            if (rest.Length >= 2 && rest[1] != 3) return ClientHelloStatus.Invalid;
            if (rest.Length < RecordHeaderLength) break;
            var recordLength = (rest[3] << 8) | rest[4];
            if (recordLength is 0 or > MaxRecordLength) return ClientHelloStatus.Invalid;
            var fragment = rest.Slice(RecordHeaderLength, Math.Min(recordLength, rest.Length - RecordHeaderLength));

            // One record holds the whole hello in practice; several are joined into a copy.
            if (position == 0)
            {
                handshake = fragment;
            }
            else
            {
                if (joined is null)
                {
                    joined = new byte[wanted >= 0 ? wanted : HandshakeHeaderLength + MaxLength];
                    handshake.CopyTo(joined);
                    joinedLength = handshake.Length;
                }

                var take = Math.Min(fragment.Length, joined.Length - joinedLength);
                fragment[..take].CopyTo(joined.AsSpan(joinedLength));
                joinedLength += take;
                handshake = joined.AsSpan(0, joinedLength);
            }

            if (handshake.Length >= 1 && handshake[0] != ClientHelloType) return ClientHelloStatus.Invalid;
            if (wanted < 0 && handshake.Length >= HandshakeHeaderLength)
            {
                var bodyLength = (handshake[1] << 16) | (handshake[2] << 8) | handshake[3];
                if (bodyLength is < MinBodyLength or > MaxLength) return ClientHelloStatus.Invalid;
                wanted = HandshakeHeaderLength + bodyLength;
            }

            if ((wanted >= 0 && handshake.Length >= wanted) || fragment.Length < recordLength) break;
            position += RecordHeaderLength + recordLength;
        }

        if (wanted < 0) return ClientHelloStatus.NeedMore;
        var have = handshake[..Math.Min(handshake.Length, wanted)];
        var status = ParseBody(have[HandshakeHeaderLength..], wanted - HandshakeHeaderLength, out serverName);

        // A name read before the hello turned out malformed (or before its end arrived) is no answer.
        if (status != ClientHelloStatus.Complete) serverName = null;
        return status;
    }

    // The ClientHello body: `have` is what arrived of its `declared` bytes.
    private static ClientHelloStatus ParseBody(ReadOnlySpan<byte> have, int declared, out string? serverName)
    {
        serverName = null;
        var body = new Reader(have, declared);
        if (!body.Take(2, out var version, out var status)) return status;
        if (version[0] != 3) return ClientHelloStatus.Invalid;
        if (!body.Take(32, out _, out status)) return status;
        if (!body.Vector(1, 0, 32, out _, out status)) return status;
        if (!body.Vector(2, 2, (1 << 16) - 2, out var suites, out status)) return status;
        if (suites.Length % 2 != 0) return ClientHelloStatus.Invalid;
        if (!body.Vector(1, 1, 255, out _, out status)) return status;

        // A hello without extensions (SSL 3.0 style) ends here: it names no server.
        if (body.AtEnd) return ClientHelloStatus.Complete;
        if (!body.Take(2, out var length, out status)) return status;
        if ((length[0] << 8 | length[1]) != body.Remaining) return ClientHelloStatus.Invalid;

        var sawServerName = false;
        while (!body.AtEnd)
        {
            if (!body.Take(2, out var type, out status)) return status;
            if (!body.Take(2, out var size, out status)) return status;
            var extension = body.Sub(size[0] << 8 | size[1], out status);
            if (status == ClientHelloStatus.Invalid) return status;
            if (type[0] == 0 && type[1] == 0)
            {
                // RFC 8446 §4.2: an extension type appears at most once.
                if (sawServerName) return ClientHelloStatus.Invalid;
                sawServerName = true;
                var sni = ServerNameList(extension, out serverName);
                if (sni != ClientHelloStatus.Complete) return sni;
            }

            if (!body.Take(extension.Declared, out _, out status)) return status;
        }

        return ClientHelloStatus.Complete;
    }

    // ServerNameList: the first host_name entry; other entry types are skipped.
    private static ClientHelloStatus ServerNameList(Reader extension, out string? serverName)
    {
        serverName = null;
        if (!extension.Take(2, out var length, out var status)) return status;
        if ((length[0] << 8 | length[1]) != extension.Remaining || extension.Remaining == 0) return ClientHelloStatus.Invalid;
        while (!extension.AtEnd)
        {
            if (!extension.Take(1, out var type, out status)) return status;
            if (!extension.Vector(2, 1, 255, out var name, out status)) return status;
            if (type[0] != 0 || serverName is not null) continue;
            serverName = HostName(name);
            if (serverName is null) return ClientHelloStatus.Invalid;
        }

        return ClientHelloStatus.Complete;
    }

    // A DNS name in ASCII (RFC 6066: no trailing dot), lower-cased; null when it is not one.
    private static string? HostName(ReadOnlySpan<byte> name)
    {
        foreach (var b in name)
        {
            if (!(b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'*' || char.IsAsciiLetterOrDigit((char)b))) return null;
        }

        return System.Text.Encoding.ASCII.GetString(name).TrimEnd('.').ToLowerInvariant() is { Length: > 0 } text ? text : null;
    }

    /// <summary>Reads a structure of <see cref="Declared"/> bytes of which the first <c>have.Length</c> arrived.</summary>
    private ref struct Reader(ReadOnlySpan<byte> have, int declared)
    {
        private readonly ReadOnlySpan<byte> have = have;
        private int position;

        public readonly int Declared { get; } = declared;

        public readonly int Remaining => Declared - position;

        public readonly bool AtEnd => position == Declared;

        // Invalid when the structure cannot hold `count` more bytes; NeedMore when they have not arrived.
        public bool Take(int count, out ReadOnlySpan<byte> bytes, out ClientHelloStatus status)
        {
            bytes = default;
            status = count > Remaining ? ClientHelloStatus.Invalid
                : position + count > have.Length ? ClientHelloStatus.NeedMore
                : ClientHelloStatus.Complete;
            if (status != ClientHelloStatus.Complete) return false;
            bytes = have.Slice(position, count);
            position += count;
            return true;
        }

        public bool Vector(int lengthBytes, int min, int max, out ReadOnlySpan<byte> bytes, out ClientHelloStatus status)
        {
            bytes = default;
            if (!Take(lengthBytes, out var prefix, out status)) return false;
            var length = lengthBytes == 1 ? prefix[0] : prefix[0] << 8 | prefix[1];
            if (length < min || length > max)
            {
                status = ClientHelloStatus.Invalid;
                return false;
            }

            return Take(length, out bytes, out status);
        }

        // A reader over the next `count` bytes (what has arrived of them), without moving past them.
        public readonly Reader Sub(int count, out ClientHelloStatus status)
        {
            status = count > Remaining ? ClientHelloStatus.Invalid : ClientHelloStatus.Complete;
            var start = Math.Min(position, have.Length);
            var available = Math.Min(count, have.Length - start);
            return new Reader(have.Slice(start, Math.Max(available, 0)), count);
        }
    }
}
