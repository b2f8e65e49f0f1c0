using System.Text;
using PluginMesh.P2p.Protobuf;

namespace PluginMesh.Plugins.Proxy.Socks5.Target;

/// <summary>
/// Wire format of <c>/pluginmesh/socks-target/1.0.0</c>: two varint length-prefixed messages (as
/// libp2p's own protocols frame theirs), then raw TCP bytes both ways. Request:
/// <c>version:u8 (1) | port:u16 BE | family:u8 (0 the node itself, 4, 6) | ip (0, 4 or 16 bytes)</c>.
/// Answer: <c>status:u8 | reason (UTF-8, at most 255 bytes)</c>.
/// </summary>
/// <remarks>Stateless and thread-safe. Readers never throw for bad input: they answer an error text.</remarks>
public static class TargetCodec
{
    /// <summary>The protocol id.</summary>
    public const string ProtocolId = "/pluginmesh/socks-target/1.0.0";

    /// <summary>Request version written and accepted.</summary>
    public const byte Version = 1;

    /// <summary>Longest request (an IPv6 target).</summary>
    public const int MaxRequestLength = 4 + 16;

    /// <summary>Longest answer: the status and a reason cut to 255 bytes.</summary>
    public const int MaxAnswerLength = 1 + 255;

    /// <summary>The request's bytes (without the length prefix).</summary>
    public static byte[] EncodeRequest(TargetRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ipLen = request.Address is null ? 0 : request.Address.AddressFamily == AddressFamily.InterNetworkV6 ? 16 : 4;
        var body = new byte[4 + ipLen];
        body[0] = Version;
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(1), (ushort)request.Port);
        body[3] = ipLen switch { 0 => 0, 4 => 4, _ => 6 };
        request.Address?.TryWriteBytes(body.AsSpan(4), out _);
        return body;
    }

    /// <summary>Parses a request (without its length prefix).</summary>
    public static bool TryParseRequest(ReadOnlySpan<byte> body, out TargetRequest? request, out string error)
    {
        request = null;
        error = "";
        if (body.Length < 4) error = $"request of {body.Length} bytes is shorter than 4";
        else if (body[0] != Version) error = $"unsupported version {body[0]}";
        else if (body[3] is not (0 or 4 or 6)) error = $"unknown address family {body[3]}";
        else
        {
            var ipLen = body[3] switch { 0 => 0, 4 => 4, _ => 16 };
            var port = BinaryPrimitives.ReadUInt16BigEndian(body[1..]);
            if (body.Length != 4 + ipLen) error = $"request length {body.Length} does not fit family {body[3]}";
            else if (port == 0) error = "port 0";
            else request = new TargetRequest(port, ipLen == 0 ? null : new IPAddress(body.Slice(4, ipLen)));
        }
        return request is not null;
    }

    /// <summary>Writes the request.</summary>
    public static ValueTask WriteRequestAsync(Stream stream, TargetRequest request, CancellationToken cancellationToken) =>
        LengthPrefixed.WriteAsync(stream, EncodeRequest(request), cancellationToken);

    /// <summary>Reads a request; a truncated, oversized or malformed one yields the error text instead.</summary>
    public static async ValueTask<(TargetRequest? Request, string Error)> ReadRequestAsync(Stream stream, CancellationToken cancellationToken)
    {
        var body = await ReadMessageAsync(stream, MaxRequestLength, cancellationToken).ConfigureAwait(false);
        if (body.Error is not null) return (null, "request: " + body.Error);
        return TryParseRequest(body.Message, out var request, out var error) ? (request, "") : (null, error);
    }

    /// <summary>Writes the answer; the reason is cut to 255 UTF-8 bytes on a character boundary.</summary>
    public static ValueTask WriteAnswerAsync(Stream stream, TargetStatus status, string? reason, CancellationToken cancellationToken)
    {
        var text = Encoding.UTF8.GetBytes(reason ?? "");
        var n = Math.Min(text.Length, MaxAnswerLength - 1);
        while (n < text.Length && n > 0 && (text[n] & 0xC0) == 0x80) n--;
        var answer = new byte[1 + n];
        answer[0] = (byte)status;
        text.AsSpan(0, n).CopyTo(answer.AsSpan(1));
        return LengthPrefixed.WriteAsync(stream, answer, cancellationToken);
    }

    /// <summary>Reads the answer; a missing, truncated or unknown one is <see cref="TargetStatus.BadRequest"/> with what was wrong.</summary>
    public static async ValueTask<(TargetStatus Status, string Reason)> ReadAnswerAsync(Stream stream, CancellationToken cancellationToken)
    {
        var answer = await ReadMessageAsync(stream, MaxAnswerLength, cancellationToken).ConfigureAwait(false);
        if (answer.Error is not null) return (TargetStatus.BadRequest, "answer: " + answer.Error);
        if (answer.Message.Length == 0 || answer.Message[0] > (byte)TargetStatus.BadRequest)
            return (TargetStatus.BadRequest, answer.Message.Length == 0 ? "empty answer" : $"unknown status {answer.Message[0]}");
        return ((TargetStatus)answer.Message[0], Encoding.UTF8.GetString(answer.Message.AsSpan(1)));
    }

    private static async ValueTask<(byte[] Message, string? Error)> ReadMessageAsync(Stream stream, int maxLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            var message = await LengthPrefixed.ReadAsync(stream, maxLength, cancellationToken).ConfigureAwait(false);
            return message is null ? ([], "stream ended before it") : (message, null);
        }
        catch (InvalidDataException e)
        {
            return ([], e.Message);
        }
    }
}
