namespace PluginMesh.Plugins.Tunnel.Libp2p.Multistream;

/// <summary>
/// A new outbound stream negotiated lazily for one protocol the peer is known to support (it listed it
/// in Identify), as go-libp2p does: the multistream-select header and proposal go out in the same
/// write as the first bytes (or alone before the first read or the half-close), and the answer is
/// checked on the first read instead of before the caller may write. Opening a stream to a connected
/// peer thus costs no round trip. A refusal (<c>na</c>) or a broken answer fails that first read with a
/// <see cref="MultistreamException"/> and resets the stream: the peer never handed our bytes to a
/// protocol handler. One reader and one writer may work concurrently, as on any stream.
/// </summary>
public sealed class LazySelectStream : DuplexStream
{
    private readonly YamuxStream _inner;
    private readonly string _protocol;
    private readonly SemaphoreSlim _proposalLock = new(1, 1);
    private readonly byte[] _proposal;
    private volatile bool _proposed;
    private bool _checked;

    public LazySelectStream(YamuxStream inner, string protocol)
    {
        _inner = inner;
        _protocol = protocol;
        _proposal = MultistreamSelect.EncodeProposal(protocol);
    }

    /// <summary>The yamux stream underneath.</summary>
    public YamuxStream Inner => _inner;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_checked)
        {
            if (!_proposed) await ProposeAsync(default, cancellationToken).ConfigureAwait(false);
            try
            {
                await MultistreamSelect.CheckAnswerAsync(_inner, _protocol, cancellationToken).ConfigureAwait(false);
            }
            catch (MultistreamException)
            {
                _inner.Reset();
                throw;
            }
            _checked = true;
        }
        return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_proposed && await ProposeAsync(buffer, cancellationToken).ConfigureAwait(false)) return;
        await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Half-closes, after the proposal if nothing was written yet.</summary>
    public async ValueTask CloseWriteAsync(CancellationToken cancellationToken = default)
    {
        if (!_proposed) await ProposeAsync(default, cancellationToken).ConfigureAwait(false);
        await _inner.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Reset() => _inner.Reset();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // The semaphore is left to the GC: it never allocates a wait handle, and a reader or writer still
    // inside ProposeAsync must see the stream's own error, not an ObjectDisposedException.
    public override ValueTask DisposeAsync() => _inner.DisposeAsync();

    /// <summary>
    /// Sends the proposal, with <paramref name="data"/> in the same frame, unless it went out already
    /// (then nothing is sent and the answer is false). The lock keeps a reader's proposal and a
    /// writer's first bytes in order.
    /// </summary>
    private async ValueTask<bool> ProposeAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _proposalLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_proposed) return false;
            var length = _proposal.Length + data.Length;
            var rented = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                _proposal.CopyTo(rented, 0);
                data.CopyTo(rented.AsMemory(_proposal.Length));
                await _inner.WriteAsync(rented.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
            _proposed = true;
            return true;
        }
        finally
        {
            _proposalLock.Release();
        }
    }
}
