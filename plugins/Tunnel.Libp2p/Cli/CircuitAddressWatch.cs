namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli;

/// <summary>The node's announced <c>/p2p-circuit</c> addresses (from its reservations), and when they change.</summary>
internal sealed class CircuitAddressWatch : IDisposable
{
    private readonly ILocalPeer _peer;
    private readonly Lock _lock = new();
    private string[] _last;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CircuitAddressWatch(ILocalPeer peer)
    {
        _peer = peer;
        _last = Read();
        peer.AddressesChanged += OnChanged;
    }

    /// <summary>The circuit addresses now.</summary>
    public string[] Current { get { lock (_lock) return _last; } }

    /// <summary>Raised with the new set after it changed (on the network's thread).</summary>
    public event Action<string[]>? Changed;

    /// <summary>
    /// Waits until there is a circuit address through every relay in <paramref name="relays"/> (PeerIds)
    /// or <paramref name="timeout"/> passes; returns the addresses there are then.
    /// </summary>
    public async Task<string[]> WaitForRelaysAsync(IReadOnlySet<PeerId> relays, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            string[] now;
            lock (_lock)
            {
                now = _last;
                changed = _changed.Task;
            }
            if (relays.All(r => now.Any(a => Multiaddr.Parse(a).RelayPeerId == r))) return now;
            try
            {
                await changed.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lock (_lock) return _last;
            }
        }
    }

    public void Dispose() => _peer.AddressesChanged -= OnChanged;

    private string[] Read() => [.. _peer.Addresses.Where(a => a.IsRelayed).Select(a => a.ToString())];

    private void OnChanged()
    {
        var now = Read();
        TaskCompletionSource fire;
        lock (_lock)
        {
            if (now.SequenceEqual(_last, StringComparer.Ordinal)) return;
            _last = now;
            fire = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        fire.TrySetResult();
        Changed?.Invoke(now);
    }
}
