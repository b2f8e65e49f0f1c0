namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// One client of a UDP service port: a socket connected to the client (bound to the address the
/// client's first datagram was delivered to) and, once dialed, the upstream channel.
/// </summary>
public sealed class UdpSession(IPEndPoint client, Socket clientSocket, long nowTicks)
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private List<byte[]>? _pending = [];
    private long _lastActivity = nowTicks;

    /// <summary>The client's address.</summary>
    public IPEndPoint Client { get; } = client;

    /// <summary>Connected to the client; replies leave from the address the client sent to.</summary>
    public Socket ClientSocket { get; } = clientSocket;

    /// <summary>The upstream, once dialed.</summary>
    public IDatagramChannel? Channel { get; private set; }

    /// <summary>Ends the session.</summary>
    public CancellationTokenSource Stop { get; } = new();

    /// <summary>Last traffic either way (UTC ticks).</summary>
    public long LastActivity => Interlocked.Read(ref _lastActivity);

    /// <summary>Marks traffic.</summary>
    public void Touch(long nowTicks) => Interlocked.Exchange(ref _lastActivity, nowTicks);

    /// <summary>Queues a datagram that arrived before the upstream was ready; false when it is ready (send directly).</summary>
    public bool TryQueue(ReadOnlySpan<byte> datagram)
    {
        lock (_lock)
        {
            if (_pending is null) return false;
            // A few datagrams are kept while dialing; a client flooding before the dial completes
            // loses the excess, as it would on a congested path.
            if (_pending.Count < 64) _pending.Add(datagram.ToArray());
            return true;
        }
    }

    /// <summary>
    /// Sends one datagram upstream. Three places send for one session — the drain of what queued
    /// while dialing, the session's own socket, and the listener for datagrams that reached it
    /// before the session socket was connected — and a framed tunnel stream takes one writer at a
    /// time: two at once interleave frames (and share the framing buffer), which merges, splits
    /// and garbles datagrams. So sends take turns here.
    /// </summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken)
    {
        var channel = Channel ?? throw new InvalidOperationException("the upstream is not ready");
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.SendAsync(datagram, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Sets the upstream and returns what queued up meanwhile.</summary>
    public List<byte[]> Ready(IDatagramChannel channel)
    {
        lock (_lock)
        {
            Channel = channel;
            var pending = _pending ?? [];
            _pending = null;
            return pending;
        }
    }
}
