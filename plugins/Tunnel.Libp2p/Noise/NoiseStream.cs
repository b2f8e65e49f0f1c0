namespace PluginMesh.Plugins.Tunnel.Libp2p.Noise;

/// <summary>
/// The Noise transport phase as a <see cref="Stream"/>: writes are cut into messages of at most
/// 65519 plaintext bytes (65535 with the tag), each behind a 2-byte length; reads decrypt whole
/// messages, straight into the caller's buffer when it is large enough. Buffers are rented from the
/// pool only while bytes are in flight and handed back when drained, so an idle connection holds
/// none (a zero-byte read waits for data without a buffer) and busy traffic allocates nothing.
/// </summary>
/// <remarks>One reader and one writer may run concurrently; concurrent writers must be serialised by the caller.</remarks>
public sealed class NoiseStream : DuplexStream
{
    public const int MaxPlaintext = NoiseHandshake.MaxMessageLength - CipherState.TagLength;
    // Receive buffers: small while messages are small (control frames, identify), large (a pool
    // bucket of its own, room for two full messages less 2 bytes) once one does not fit, and large
    // straight away while the previous buffer's messages were.
    private const int SmallReceiveBuffer = 16 * 1024;
    private const int LargeReceiveBuffer = 128 * 1024;
    // What an idle stream reads into while it waits (a keep-alive ping fits).
    private const int ProbeSize = 256;
    // Length prefix and tag of one transport message.
    private const int MessageOverhead = 2 + CipherState.TagLength;
    // A write's messages share one pooled buffer of at most this size (one socket send): four full
    // messages of Yamux frames fit (see YamuxSession.MaxDataWrite).
    private const int WriteBufferSize = 256 * 1024;
    private readonly Stream _inner;
    private readonly CipherState _send;
    private readonly CipherState _receive;
    private byte[]? _rbuf;
    private int _rstart, _rend;
    private byte[]? _probe;
    private bool _largeMessages;
    private int _largestMessage;
    private byte[]? _plain;
    private int _pstart, _pend;
    private int _disposed;

    internal NoiseStream(Stream inner, CipherState send, CipherState receive)
    {
        _inner = inner;
        _send = send;
        _receive = receive;
    }

    /// <summary>True while a pooled receive buffer is held (tests check that an idle stream holds none).</summary>
    internal bool HoldsReceiveBuffers => _rbuf is not null || _plain is not null;

    /// <summary>The stream this one wraps (half-closing reaches the socket through it).</summary>
    internal Stream Inner => _inner;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            // Zero-byte read: wait for data without holding a pooled buffer (the Yamux pipe reader relies on it).
            if (_pend > _pstart || _rend > _rstart) return 0;
            await WaitForDataAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        while (true)
        {
            if (_pend > _pstart)
            {
                var n = Math.Min(buffer.Length, _pend - _pstart);
                _plain.AsSpan(_pstart, n).CopyTo(buffer.Span);
                _pstart += n;
                if (_pstart == _pend) ReturnPlain();
                return n;
            }
            if (!await FillAsync(2, cancellationToken).ConfigureAwait(false)) return 0;
            var length = BinaryPrimitives.ReadUInt16BigEndian(_rbuf.AsSpan(_rstart));
            if (length < CipherState.TagLength) throw new NoiseException($"noise: transport message of {length} bytes is shorter than its tag");
            if (!await FillAsync(2 + length, cancellationToken).ConfigureAwait(false))
                throw new NoiseException("noise: connection closed inside a transport message");
            var ciphertext = _rbuf.AsMemory(_rstart + 2, length);
            var plainLength = length - CipherState.TagLength;
            _rstart += 2 + length;
            int result;
            if (plainLength == 0)
            {
                _receive.DecryptWithAd([], ciphertext.Span, []);
                result = 0;
            }
            else if (buffer.Length >= plainLength)
            {
                result = _receive.DecryptWithAd([], ciphertext.Span, buffer.Span);
            }
            else
            {
                _plain = ArrayPool<byte>.Shared.Rent(plainLength); // none held here: it goes back once drained
                _pstart = 0;
                _pend = _receive.DecryptWithAd([], ciphertext.Span, _plain);
                result = -1;
            }
            if (_rstart == _rend) ReturnReceiveBuffer();
            if (result > 0) return result;
        }
    }

    private void ReturnReceiveBuffer()
    {
        var b = _rbuf;
        _rbuf = null;
        _rstart = _rend = 0;
        _largeMessages = _largestMessage > SmallReceiveBuffer / 2;
        _largestMessage = 0;
        if (b is not null) ArrayPool<byte>.Shared.Return(b);
    }

    private void ReturnPlain()
    {
        var b = _plain;
        _plain = null;
        _pstart = _pend = 0;
        if (b is not null) ArrayPool<byte>.Shared.Return(b);
    }

    /// <summary>
    /// Idle: waits for the first bytes in a small array of our own, then moves them to a pooled buffer;
    /// false on end of stream. (A zero-byte read is no substitute: on a socket it can complete before
    /// any data has come, and the read that follows would then wait holding the pooled buffer.)
    /// </summary>
    private async ValueTask<bool> WaitForDataAsync(CancellationToken cancellationToken)
    {
        _probe ??= new byte[ProbeSize];
        var n = await _inner.ReadAsync(_probe, cancellationToken).ConfigureAwait(false);
        if (n == 0) return false;
        _rbuf = ArrayPool<byte>.Shared.Rent(_largeMessages ? LargeReceiveBuffer : SmallReceiveBuffer);
        _probe.AsSpan(0, n).CopyTo(_rbuf);
        _rstart = 0;
        _rend = n;
        return true;
    }

    /// <summary>Makes at least <paramref name="count"/> raw bytes available; false on a clean EOF before any.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_rbuf is not null && _rend - _rstart >= count) return true;
        if (_rbuf is null && !await WaitForDataAsync(cancellationToken).ConfigureAwait(false)) return false;
        _largestMessage = Math.Max(_largestMessage, count);
        if (_rbuf!.Length < count)
        {
            var large = ArrayPool<byte>.Shared.Rent(LargeReceiveBuffer);
            Buffer.BlockCopy(_rbuf, _rstart, large, 0, _rend - _rstart);
            ArrayPool<byte>.Shared.Return(_rbuf);
            _rbuf = large;
            _rend -= _rstart;
            _rstart = 0;
        }
        else if (_rbuf.Length - _rstart < count)
        {
            // Compact so a full message always fits after the unread bytes.
            Buffer.BlockCopy(_rbuf, _rstart, _rbuf, 0, _rend - _rstart);
            _rend -= _rstart;
            _rstart = 0;
        }
        while (_rend - _rstart < count)
        {
            var n = await _inner.ReadAsync(_rbuf.AsMemory(_rend), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (_rend == _rstart)
                {
                    ReturnReceiveBuffer();
                    return false;
                }
                throw new NoiseException("noise: connection closed inside a transport message");
            }
            _rend += n;
        }
        return true;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0) return;
        // Whole messages into one pooled buffer of at most WriteBufferSize, one inner write per buffer.
        var messages = (buffer.Length + MaxPlaintext - 1) / MaxPlaintext;
        var wbuf = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length + messages * MessageOverhead, WriteBufferSize));
        try
        {
            while (buffer.Length > 0)
            {
                var n = 0;
                do
                {
                    var chunk = Math.Min(Math.Min(buffer.Length, MaxPlaintext), wbuf.Length - n - MessageOverhead);
                    var written = _send.EncryptWithAd([], buffer.Span[..chunk], wbuf.AsSpan(n + 2));
                    BinaryPrimitives.WriteUInt16BigEndian(wbuf.AsSpan(n), (ushort)written);
                    n += 2 + written;
                    buffer = buffer[chunk..];
                }
                while (buffer.Length > 0 && wbuf.Length - n - MessageOverhead >= Math.Min(buffer.Length, MaxPlaintext));
                await _inner.WriteAsync(wbuf.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(wbuf);
        }
    }

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _inner.Dispose();
            _send.Dispose();
            _receive.Dispose();
            // Buffers held by a read still in flight are not returned here: handing them to someone
            // else while that read may still touch them would leak plaintext. The GC reclaims them.
        }
        base.Dispose(disposing);
    }
}
