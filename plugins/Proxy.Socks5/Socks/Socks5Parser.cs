using System.Text;

namespace PluginMesh.Plugins.Proxy.Socks5.Socks;

/// <summary>
/// The SOCKS5 handshake messages read from buffered bytes (a pipe's <see cref="ReadOnlySequence{T}"/>):
/// the method greeting (RFC 1928 §3), the username/password request (RFC 1929 §2) and the request
/// (RFC 1928 §4). Each parse either needs more bytes (consuming nothing), consumes exactly one
/// message, or says what is wrong. Every length is a byte on the wire, so no message is longer than
/// 513 bytes and nothing here grows with the input.
/// </summary>
/// <remarks>Stateless and thread-safe; never throws for bad input.</remarks>
public static class Socks5Parser
{
    /// <summary>The protocol version byte.</summary>
    public const byte Version = 5;

    /// <summary>Method: no authentication.</summary>
    public const byte NoAuthentication = 0x00;

    /// <summary>Method: username/password (RFC 1929).</summary>
    public const byte UsernamePassword = 0x02;

    /// <summary>Method reply: none of the offered methods is acceptable.</summary>
    public const byte NoAcceptableMethod = 0xFF;

    /// <summary>Version byte of the username/password subnegotiation.</summary>
    public const byte AuthVersion = 1;

    /// <summary>Parses the greeting <c>VER NMETHODS METHODS…</c>; <paramref name="methods"/> says which of the two methods we serve were offered.</summary>
    public static ParseResult Greeting(ReadOnlySequence<byte> buffer, out SequencePosition consumed, out (bool None, bool UsernamePassword) methods, out string error)
    {
        var reader = new SequenceReader<byte>(buffer);
        consumed = buffer.Start;
        methods = default;
        error = "";
        if (!reader.TryRead(out var version)) return ParseResult.NeedMore;
        if (version != Version) return Fail(out error, $"version {version} is not SOCKS5");
        if (!reader.TryRead(out var count)) return ParseResult.NeedMore;
        if (count == 0) return Fail(out error, "greeting offers no method");
        if (reader.Remaining < count) return ParseResult.NeedMore;
        for (var i = 0; i < count; i++)
        {
            reader.TryRead(out var method);
            methods.None |= method == NoAuthentication;
            methods.UsernamePassword |= method == UsernamePassword;
        }
        consumed = reader.Position;
        return ParseResult.Done;
    }

    /// <summary>Parses <c>VER ULEN UNAME PLEN PASSWD</c>; the name and password are copied out as UTF-8 bytes.</summary>
    public static ParseResult Credentials(ReadOnlySequence<byte> buffer, out SequencePosition consumed, out (byte[] User, byte[] Password) credentials, out string error)
    {
        var reader = new SequenceReader<byte>(buffer);
        consumed = buffer.Start;
        credentials = ([], []);
        error = "";
        if (!reader.TryRead(out var version)) return ParseResult.NeedMore;
        if (version != AuthVersion) return Fail(out error, $"username/password version {version} is not 1");
        if (!TryReadField(ref reader, out var u) || !TryReadField(ref reader, out var p)) return ParseResult.NeedMore;
        credentials = (u, p);
        consumed = reader.Position;
        return ParseResult.Done;
    }

    /// <summary>
    /// Parses <c>VER CMD RSV ATYP DST.ADDR DST.PORT</c>. An invalid request comes with the reply code
    /// to answer it with in <c>parsed.Reply</c> (<see cref="Socks5Reply.AddressTypeNotSupported"/>
    /// for an unknown ATYP, <see cref="Socks5Reply.GeneralFailure"/> otherwise). The command is not
    /// judged here: a whole BIND request parses, and the caller answers it.
    /// </summary>
    public static ParseResult Request(ReadOnlySequence<byte> buffer, out SequencePosition consumed, out (Socks5Request? Request, Socks5Reply Reply) parsed, out string error)
    {
        var reader = new SequenceReader<byte>(buffer);
        consumed = buffer.Start;
        parsed = (null, Socks5Reply.GeneralFailure);
        error = "";
        if (!reader.TryRead(out var version)) return ParseResult.NeedMore;
        if (version != Version) return Fail(out error, $"request version {version} is not SOCKS5");
        if (!reader.TryRead(out var command) || !reader.TryRead(out _) || !reader.TryRead(out var type)) return ParseResult.NeedMore;
        string? host = null;
        IPAddress? address = null;
        switch (type)
        {
            case 1 or 4:
                Span<byte> ip = stackalloc byte[type == 1 ? 4 : 16];
                if (!reader.TryCopyTo(ip)) return ParseResult.NeedMore;
                reader.Advance(ip.Length);
                address = new IPAddress(ip);
                break;
            case 3:
                if (!TryReadField(ref reader, out var name)) return ParseResult.NeedMore;
                if (name.Length == 0) return Fail(out error, "empty domain name");
                // Latin-1 maps every byte to one character and never fails; node names are ASCII anyway.
                host = Encoding.Latin1.GetString(name);
                break;
            default:
                parsed = (null, Socks5Reply.AddressTypeNotSupported);
                return Fail(out error, $"address type {type} is not 1 (IPv4), 3 (domain) or 4 (IPv6)");
        }
        if (!reader.TryReadBigEndian(out short port)) return ParseResult.NeedMore;
        consumed = reader.Position;
        parsed = (new Socks5Request(command, host, address, (ushort)port), Socks5Reply.Succeeded);
        return ParseResult.Done;
    }

    /// <summary>The method selection reply <c>VER METHOD</c>.</summary>
    public static byte[] MethodReply(byte method) => [Version, method];

    /// <summary>The username/password status reply: 0 success, anything else failure (the connection is then closed).</summary>
    public static byte[] AuthReply(bool ok) => [AuthVersion, ok ? (byte)0 : (byte)1];

    /// <summary>A reply <c>VER REP RSV ATYP BND.ADDR BND.PORT</c> with the bound address 0.0.0.0:0 (clients of CONNECT ignore it).</summary>
    public static byte[] Reply(Socks5Reply reply) => [Version, (byte)reply, 0, 1, 0, 0, 0, 0, 0, 0];

    private static bool TryReadField(ref SequenceReader<byte> reader, out byte[] field)
    {
        field = [];
        if (!reader.TryRead(out var length)) return false;
        if (reader.Remaining < length)
        {
            reader.Rewind(1);
            return false;
        }
        field = new byte[length];
        reader.TryCopyTo(field);
        reader.Advance(length);
        return true;
    }

    private static ParseResult Fail(out string error, string message)
    {
        error = message;
        return ParseResult.Invalid;
    }
}
