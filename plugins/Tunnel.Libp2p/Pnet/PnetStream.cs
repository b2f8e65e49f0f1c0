namespace PluginMesh.Plugins.Tunnel.Libp2p.Pnet;

/// <summary>
/// A private-network connection: after a 24-byte nonce exchange, every byte each way is XORed with
/// XSalsa20(PSK, sender's nonce). There is no authentication here: a wrong key shows up as garbage
/// in the next layer (multistream-select), which then fails.
/// </summary>
public sealed class PnetStream : DuplexStream
{
    public const int NonceLength = 24;
    private const int WriteChunk = 64 * 1024;
    private readonly Stream _inner;
    private readonly XSalsa20Stream _read;
    private readonly XSalsa20Stream _write;

    private PnetStream(Stream inner, XSalsa20Stream read, XSalsa20Stream write)
    {
        _inner = inner;
        _read = read;
        _write = write;
    }

    /// <summary>Exchanges nonces over <paramref name="inner"/> (our nonce first, then theirs) and wraps it.</summary>
    public static async Task<PnetStream> EstablishAsync(Stream inner, SwarmKey key, CancellationToken cancellationToken)
    {
        var local = RandomNumberGenerator.GetBytes(NonceLength);
        await inner.WriteAsync(local, cancellationToken).ConfigureAwait(false);
        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        var remote = new byte[NonceLength];
        await inner.ReadExactlyAsync(remote, cancellationToken).ConfigureAwait(false);
        return new PnetStream(inner, new XSalsa20Stream(key.Key, remote), new XSalsa20Stream(key.Key, local));
    }

    /// <summary>The stream this one wraps (half-closing reaches the socket through it).</summary>
    internal Stream Inner => _inner;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        _read.Xor(buffer[..n], buffer[..n]);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        _read.Xor(buffer.Span[..n], buffer.Span[..n]);
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length, WriteChunk));
        try
        {
            while (buffer.Length > 0)
            {
                var n = Math.Min(buffer.Length, chunk.Length);
                _write.Xor(buffer[..n], chunk);
                _inner.Write(chunk, 0, n);
                buffer = buffer[n..];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(buffer.Length, 1), WriteChunk));
        try
        {
            while (buffer.Length > 0)
            {
                var n = Math.Min(buffer.Length, chunk.Length);
                _write.Xor(buffer.Span[..n], chunk);
                await _inner.WriteAsync(chunk.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                buffer = buffer[n..];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => _inner.DisposeAsync();
}
