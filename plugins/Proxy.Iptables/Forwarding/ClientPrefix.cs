using System.Buffers;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// What an intercepted client sent while its upstream was being set up: read from the client as it
/// arrives so it can travel with the tunnel header instead of after the serving agent's answer, and
/// kept until the answer so that a refused target can be failed over with the same bytes (the
/// refusing agent dialed nothing, so no endpoint saw them). At most <see cref="Capacity"/> bytes;
/// past that the client waits, as it would for any slow upstream. One user at a time.
/// </summary>
public sealed class ClientPrefix(Socket client) : IDisposable
{
    /// <summary>The most kept before the answer (a quarter of a yamux window; larger first flights wait).</summary>
    public const int Capacity = 64 * 1024;

    private byte[]? _buffer;
    private int _length;

    /// <summary>The bytes read so far.</summary>
    public ReadOnlyMemory<byte> Bytes => _buffer is null ? default : _buffer.AsMemory(0, _length);

    /// <summary>The client half-closed (or failed) before the upstream was ready: nothing more to read here.</summary>
    public bool Ended { get; private set; }

    /// <summary>True while more may be read (not ended, room left).</summary>
    public bool CanRead => !Ended && _length < Capacity;

    /// <summary>True when the client's bytes are already here (<see cref="ReadAsync"/> will not wait).</summary>
    public bool Pending
    {
        get
        {
            try
            {
                return CanRead && client.Available > 0;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// True when a read would not wait: bytes are here, or the client ended or failed. Checked after
    /// <see cref="WaitReadableAsync"/>, whose completion can be stale: the runtime completes a zero-byte
    /// receive on a readiness event without a system call, and an event for bytes an earlier read
    /// already took still comes. A read trusting it would wait for a client that waits for the answer.
    /// </summary>
    public bool ReadReady
    {
        get
        {
            if (!CanRead) return false;
            try
            {
                return client.Available > 0 || client.Poll(0, SelectMode.SelectRead);
            }
            catch (SocketException)
            {
                return true; // the read meets the same error and ends the prefix
            }
        }
    }

    /// <summary>
    /// Waits until the client has something to read (or has ended) without taking anything: a
    /// zero-byte receive, which cancelling loses nothing. May complete early (see <see cref="ReadReady"/>).
    /// </summary>
    public async Task WaitReadableAsync(CancellationToken cancellationToken) =>
        await client.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);

    /// <summary>Reads what the client has sent (after <see cref="WaitReadableAsync"/>); the new bytes, empty when it ended.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadAsync(CancellationToken cancellationToken)
    {
        _buffer ??= ArrayPool<byte>.Shared.Rent(Capacity);
        int n;
        try
        {
            n = await client.ReceiveAsync(_buffer.AsMemory(_length, Capacity - _length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // The splice that follows meets the same error on its own read and resets both sides.
            n = 0;
        }
        if (n == 0)
        {
            Ended = true;
            return default;
        }
        _length += n;
        return _buffer.AsMemory(_length - n, n);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_buffer is not null) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
        _length = 0;
    }
}
