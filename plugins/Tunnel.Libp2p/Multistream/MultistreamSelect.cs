namespace PluginMesh.Plugins.Tunnel.Libp2p.Multistream;

/// <summary>
/// multistream-select 1.0 (specs: connections/README.md). Messages are a varint length then UTF-8
/// text ending in '\n'. Reads are byte-exact so the next protocol on the same stream sees none of
/// our bytes. Limits follow js: a message is at most 1024 bytes, its length at most two varint bytes.
/// </summary>
public static class MultistreamSelect
{
    public const string ProtocolId = "/multistream/1.0.0";
    public const int MaxMessageLength = 1024;
    private const int MaxRounds = 64;

    /// <summary>
    /// Dialer side: proposes <paramref name="protocols"/> in order and returns the one accepted.
    /// The header and first proposal go out in one write (js waits for both before answering).
    /// </summary>
    /// <exception cref="MultistreamException">The peer broke the protocol or accepted none.</exception>
    public static async Task<string> SelectAsync(Stream stream, IReadOnlyList<string> protocols, CancellationToken cancellationToken)
    {
        if (protocols.Count == 0) throw new ArgumentException("no protocols to propose", nameof(protocols));
        var buffer = ArrayPool<byte>.Shared.Rent(2 * (MaxMessageLength + 2));
        try
        {
            var n = Encode(ProtocolId, buffer);
            n += Encode(protocols[0], buffer.AsSpan(n));
            await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            var header = await ReadMessageAsync(stream, buffer, cancellationToken).ConfigureAwait(false);
            if (header != ProtocolId) throw new MultistreamException($"multistream: expected header {ProtocolId}, got '{Printable(header)}'");
            for (var i = 0; i < protocols.Count; i++)
            {
                if (i > 0)
                {
                    n = Encode(protocols[i], buffer);
                    await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                var answer = await ReadMessageAsync(stream, buffer, cancellationToken).ConfigureAwait(false);
                if (answer == protocols[i]) return protocols[i];
                if (answer != "na") throw new MultistreamException($"multistream: proposed {protocols[i]}, peer answered '{Printable(answer)}'");
            }
            throw new MultistreamException($"multistream: peer supports none of {string.Join(", ", protocols)}", protocolNotSupported: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The bytes a lazy dialer sends: the header and its single proposal, as <see cref="SelectAsync"/>
    /// sends them, to go out with the first data instead of waiting for the answer.
    /// </summary>
    internal static byte[] EncodeProposal(string protocol)
    {
        Span<byte> buffer = stackalloc byte[2 * (MaxMessageLength + 2)];
        var n = Encode(ProtocolId, buffer);
        n += Encode(protocol, buffer[n..]);
        return buffer[..n].ToArray();
    }

    /// <summary>
    /// The lazy dialer's check of the answer to <see cref="EncodeProposal"/>: the header echoed, then
    /// <paramref name="protocol"/> echoed.
    /// </summary>
    /// <exception cref="MultistreamException">The peer broke the protocol, or answered <c>na</c> (<see cref="MultistreamException.ProtocolNotSupported"/>).</exception>
    internal static async ValueTask CheckAnswerAsync(Stream stream, string protocol, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxMessageLength + 2);
        try
        {
            var header = await ReadMessageAsync(stream, buffer, cancellationToken).ConfigureAwait(false);
            if (header != ProtocolId) throw new MultistreamException($"multistream: expected header {ProtocolId}, got '{Printable(header)}'");
            var answer = await ReadMessageAsync(stream, buffer, cancellationToken).ConfigureAwait(false);
            if (answer == "na") throw new MultistreamException($"multistream: peer does not support {protocol}", protocolNotSupported: true);
            if (answer != protocol) throw new MultistreamException($"multistream: proposed {protocol}, peer answered '{Printable(answer)}'");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Listener side: waits for the dialer's header (js sends nothing before it has ours, and we
    /// answer only after theirs), then answers proposals until one is in <paramref name="supported"/>.
    /// </summary>
    public static async Task<string> HandleAsync(Stream stream, Func<string, bool> supported, Func<IEnumerable<string>> list, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(2 * (MaxMessageLength + 2));
        try
        {
            var header = await ReadMessageAsync(stream, buffer, cancellationToken).ConfigureAwait(false);
            if (header != ProtocolId) throw new MultistreamException($"multistream: expected header {ProtocolId}, got '{Printable(header)}'");
            // A dialer that sent its proposal with the header (js, go, ours) gets the header echo and
            // the answer in one write: one frame instead of two. One that waits for the echo gets it now.
            var pending = stream is YamuxStream { BufferedBytes: > 0 } ? Encode(ProtocolId, buffer) : 0;
            if (pending == 0) await WriteMessageAsync(stream, ProtocolId, buffer, cancellationToken).ConfigureAwait(false);
            for (var round = 0; round < MaxRounds; round++)
            {
                var proposal = await ReadMessageAsync(stream, buffer.AsMemory(pending), cancellationToken).ConfigureAwait(false);
                if (proposal == "ls")
                {
                    if (pending > 0) await stream.WriteAsync(buffer.AsMemory(0, pending), cancellationToken).ConfigureAwait(false);
                    pending = 0;
                    await WriteListAsync(stream, list(), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                var accepted = proposal.Length > 0 && supported(proposal);
                var n = pending + Encode(accepted ? proposal : "na", buffer.AsSpan(pending));
                pending = 0;
                await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (accepted) return proposal;
            }
            throw new MultistreamException($"multistream: peer made more than {MaxRounds} proposals");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static Task<string> HandleAsync(Stream stream, IReadOnlyCollection<string> protocols, CancellationToken cancellationToken) =>
        HandleAsync(stream, protocols.Contains, () => protocols, cancellationToken);

    /// <summary>Writes one message into <paramref name="destination"/>; returns bytes written.</summary>
    internal static int Encode(string text, Span<byte> destination)
    {
        var length = Encoding.UTF8.GetByteCount(text) + 1;
        if (length > MaxMessageLength) throw new ArgumentException($"multistream: protocol id longer than {MaxMessageLength - 1} bytes", nameof(text));
        var n = Varint.Write(destination, (ulong)length);
        n += Encoding.UTF8.GetBytes(text, destination[n..]);
        destination[n++] = (byte)'\n';
        return n;
    }

    /// <summary>Reads one message and returns its text without the newline (trailing whitespace trimmed, as js does).</summary>
    internal static ValueTask<string> ReadMessageAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken) =>
        ReadMessageAsync(stream, buffer.AsMemory(), cancellationToken);

    /// <summary>As above, reading into <paramref name="buffer"/> (at least <see cref="MaxMessageLength"/> bytes).</summary>
    internal static async ValueTask<string> ReadMessageAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        for (var i = 0; ; i++)
        {
            if (i == 2) throw new MultistreamException("multistream: message length varint longer than 2 bytes");
            await stream.ReadExactlyAsync(buffer[..1], cancellationToken).ConfigureAwait(false);
            var b = buffer.Span[0];
            length |= (b & 0x7F) << (7 * i);
            if (b < 0x80) break;
        }
        if (length == 0) throw new MultistreamException("multistream: empty message");
        if (length > MaxMessageLength) throw new MultistreamException($"multistream: message of {length} bytes exceeds {MaxMessageLength}");
        await stream.ReadExactlyAsync(buffer[..length], cancellationToken).ConfigureAwait(false);
        if (buffer.Span[length - 1] != '\n') throw new MultistreamException("multistream: message is missing its newline");
        string text;
        try
        {
            text = StrictUtf8.GetString(buffer.Span[..(length - 1)]);
        }
        catch (DecoderFallbackException)
        {
            throw new MultistreamException("multistream: message is not UTF-8");
        }
        return text.TrimEnd();
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private static async ValueTask WriteMessageAsync(Stream stream, string text, byte[] buffer, CancellationToken cancellationToken)
    {
        var n = Encode(text, buffer);
        await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask WriteListAsync(Stream stream, IEnumerable<string> protocols, CancellationToken cancellationToken)
    {
        // The ls answer is one message whose body is itself a sequence of messages, then '\n'.
        var body = new ArrayBufferWriter<byte>(256);
        foreach (var p in protocols)
        {
            var span = body.GetSpan(MaxMessageLength + 2);
            body.Advance(Encode(p, span));
        }
        body.GetSpan(1)[0] = (byte)'\n';
        body.Advance(1);
        if (body.WrittenCount > MaxMessageLength) throw new MultistreamException("multistream: ls answer exceeds the message limit");
        var message = new byte[Varint.MaxLength + body.WrittenCount];
        var n = Varint.Write(message, (ulong)body.WrittenCount);
        body.WrittenSpan.CopyTo(message.AsSpan(n));
        await stream.WriteAsync(message.AsMemory(0, n + body.WrittenCount), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Printable(string s) => s.Length > 64 ? s[..64] + "…" : s;
}
