using System.Text;

namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>
/// Wire format of <c>/pluginmesh/tunnel/1.0.0</c>. Request: <c>len:u8</c> then <c>len</c> bytes —
/// <c>version:u8 (1) | protocol:u8 (0 tcp, 1 udp) | family:u8 (4, 6) | ip (4 or 16) | port:u16 BE</c>.
/// Answer: <c>status:u8 | reasonLen:u8 | reason (UTF-8)</c>. Then raw bytes (TCP) or datagrams
/// framed as <c>length:u16 BE | payload</c> (UDP).
/// </summary>
public static class TunnelCodec
{
    /// <summary>The protocol id.</summary>
    public const string ProtocolId = "/pluginmesh/tunnel/1.0.0";

    /// <summary>Header version written and accepted.</summary>
    public const byte Version = 1;

    /// <summary>Largest header body a reader accepts; longer ones are bad headers, not allocations.</summary>
    public const int MaxBodyLength = 64;

    /// <summary>Writes the length-prefixed header; returns bytes written (at most 22).</summary>
    public static int WriteHeader(TunnelHeader header, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(header);
        var v6 = header.Target.AddressFamily == AddressFamily.InterNetworkV6;
        var ipLen = v6 ? 16 : 4;
        var body = 3 + ipLen + 2;
        destination[0] = (byte)body;
        destination[1] = Version;
        destination[2] = header.Protocol == TransportProtocol.Udp ? (byte)1 : (byte)0;
        destination[3] = v6 ? (byte)6 : (byte)4;
        header.Target.Address.TryWriteBytes(destination.Slice(4, ipLen), out _);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(4 + ipLen, 2), (ushort)header.Target.Port);
        return body + 1;
    }

    /// <summary>Parses a header body (without the length byte). Never throws for bad input.</summary>
    public static bool TryParseBody(ReadOnlySpan<byte> body, out TunnelHeader? header, out string error)
    {
        header = null;
        if (body.Length < 3) return Fail(out error, "header shorter than 3 bytes");
        if (body[0] != Version) return Fail(out error, $"unsupported version {body[0]}");
        if (body[1] > 1) return Fail(out error, $"unknown protocol {body[1]}");
        var ipLen = body[2] switch { 4 => 4, 6 => 16, _ => -1 };
        if (ipLen < 0) return Fail(out error, $"unknown address family {body[2]}");
        if (body.Length != 3 + ipLen + 2) return Fail(out error, $"header length {body.Length} does not fit family {body[2]}");
        var ip = new IPAddress(body.Slice(3, ipLen));
        var port = BinaryPrimitives.ReadUInt16BigEndian(body.Slice(3 + ipLen, 2));
        if (port == 0) return Fail(out error, "port 0");
        header = new TunnelHeader(body[1] == 1 ? TransportProtocol.Udp : TransportProtocol.Tcp, new IPEndPoint(ip, port));
        error = "";
        return true;
    }

    /// <summary>Reads a header from <paramref name="stream"/>; a truncated or malformed one yields an error text.</summary>
    public static async ValueTask<(TunnelHeader? Header, string Error)> ReadHeaderAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[1 + MaxBodyLength];
        if (await stream.ReadAtLeastAsync(buffer.AsMemory(0, 1), 1, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < 1)
            return (null, "stream ended before the header");
        var len = buffer[0];
        if (len > MaxBodyLength) return (null, $"header length {len} exceeds {MaxBodyLength}");
        if (await stream.ReadAtLeastAsync(buffer.AsMemory(1, len), len, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < len)
            return (null, "header truncated");
        return TryParseBody(buffer.AsSpan(1, len), out var header, out var error) ? (header, "") : (null, error);
    }

    /// <summary>Writes the answer; the reason is cut to 255 UTF-8 bytes on a character boundary.</summary>
    public static async ValueTask WriteAnswerAsync(Stream stream, TunnelStatus status, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var bytes = Encoding.UTF8.GetBytes(reason ?? "");
        var n = bytes.Length;
        if (n > 255)
        {
            n = 255;
            while (n > 0 && (bytes[n] & 0xC0) == 0x80) n--;
        }
        var buffer = new byte[2 + n];
        buffer[0] = (byte)status;
        buffer[1] = (byte)n;
        bytes.AsSpan(0, n).CopyTo(buffer.AsSpan(2));
        await stream.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The start of every reason <see cref="ReadAnswerAsync"/> makes up itself (no valid answer came).</summary>
    public const string NoAnswerPrefix = "no valid answer: ";

    /// <summary>
    /// Reads the answer; a truncated answer or an unknown status is reported as <see cref="TunnelStatus.BadHeader"/>
    /// with a reason starting <see cref="NoAnswerPrefix"/>.
    /// </summary>
    public static async ValueTask<(TunnelStatus Status, string Reason)> ReadAnswerAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var head = new byte[2];
        if (await stream.ReadAtLeastAsync(head, 2, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < 2)
            return (TunnelStatus.BadHeader, NoAnswerPrefix + "answer truncated");
        if (head[0] > (byte)TunnelStatus.BadHeader) return (TunnelStatus.BadHeader, NoAnswerPrefix + $"unknown status {head[0]}");
        var reason = new byte[head[1]];
        if (await stream.ReadAtLeastAsync(reason, reason.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < reason.Length)
            return (TunnelStatus.BadHeader, NoAnswerPrefix + "answer reason truncated");
        return ((TunnelStatus)head[0], Encoding.UTF8.GetString(reason));
    }

    private static bool Fail(out string error, string message)
    {
        error = message;
        return false;
    }
}
