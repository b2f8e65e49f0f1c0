using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Noise;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Discovery;

/// <summary>
/// Connects to peers that discovery mechanisms report, a bounded number of dials at a time. An
/// address that is one of our own, or that proves to reach another member (ourselves through a
/// shared address such as 127.0.0.1 or the node-local 169.254.96.16, or a peer that took the address
/// over), is dropped — that address only, until the announcement changes — and the next one is tried.
/// A peer whose connection fails in the handshake otherwise (another private network, garbage) is
/// ignored until its announcement changes, so a foreign LAN neighbour costs one attempt, not a loop.
/// Other failures are tried again only when the peer is announced again.
/// </summary>
/// <remarks>Thread-safe. Constructing does nothing; <see cref="Attach"/> subscribes.</remarks>
public sealed class DiscoveryConnector : IAsyncDisposable
{
    private readonly Libp2pHost _host;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _dials;
    private readonly Lock _lock = new();
    private readonly Dictionary<PeerId, Entry> _peers = [];
    private readonly CancellationTokenSource _stop = new();

    public DiscoveryConnector(Libp2pHost host, ILogger logger, int maxConcurrentDials = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentDials, 1);
        _host = host;
        _logger = logger;
        _dials = new SemaphoreSlim(maxConcurrentDials);
    }

    /// <summary>Raised after a discovered peer was connected (the argument is the connection's remote address).</summary>
    public event Action<DiscoveredPeer, Multiaddr>? Connected;

    /// <summary>Every discovered peer with its source, last sighting and connection state.</summary>
    public IReadOnlyList<DiscoveredPeerState> Peers
    {
        get
        {
            lock (_lock)
            {
                return [.. _peers.Values.Select(e => new DiscoveredPeerState(e.Peer.PeerId, e.Peer.Source, e.Peer.Addresses, e.Peer.SeenAt, e.State, e.Error,
                    [.. e.Dropped.Select(d => new DroppedAddress(d.Key, d.Value))])).OrderBy(p => p.PeerId)];
            }
        }
    }

    /// <summary>Follows <paramref name="discovery"/> (its current peers too); disposing the result stops following.</summary>
    public IDisposable Attach(IPeerDiscovery discovery)
    {
        ArgumentNullException.ThrowIfNull(discovery);
        discovery.PeerDiscovered += OnDiscovered;
        discovery.PeerExpired += OnExpired;
        foreach (var peer in discovery.Peers) OnDiscovered(peer);
        return new HandlerRegistration(() =>
        {
            discovery.PeerDiscovered -= OnDiscovered;
            discovery.PeerExpired -= OnExpired;
        });
    }

    /// <summary>Handles one announcement: records it and, unless connected, ignored or already dialing, dials in the background.</summary>
    public void OnDiscovered(DiscoveredPeer peer)
    {
        if (peer?.PeerId is not { } id || id == _host.PeerId) return;
        var signature = string.Join('\n', peer.Addresses.Select(a => a.ToString()).Order(StringComparer.Ordinal));
        lock (_lock)
        {
            if (_peers.TryGetValue(id, out var entry))
            {
                entry.Peer = peer;
                if (entry.Dialing) return;
                // Same announcement from a peer that failed the handshake: do not try again.
                if (entry.State == "ignored" && entry.Signature == signature) return;
            }
            else
            {
                _peers[id] = entry = new Entry { Peer = peer };
            }
            if (entry.Signature != signature) entry.Dropped.Clear();
            entry.Signature = signature;
            if (_host.GetConnection(id) is not null)
            {
                entry.State = "connected";
                return;
            }
            entry.Dialing = true;
            entry.State = "connecting";
        }
        _ = Task.Run(() => DialAsync(peer, id));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        // Not disposed: dials still unwinding use the token and the semaphore.
    }

    private void OnExpired(PeerId peerId)
    {
        lock (_lock)
        {
            if (_peers.TryGetValue(peerId, out var entry) && !entry.Dialing && entry.State != "ignored") _peers.Remove(peerId);
        }
    }

    private async Task DialAsync(DiscoveredPeer peer, PeerId id)
    {
        string state = "failed";
        string? error = null;
        try
        {
            await _dials.WaitAsync(_stop.Token).ConfigureAwait(false);
            try
            {
                foreach (var given in peer.Addresses)
                {
                    var addr = given.PeerId is null ? given.WithPeerId(id) : given;
                    if (IsDropped(id, given)) continue;
                    if (IsOwn(addr))
                    {
                        Drop(peer, given, "it is one of our own addresses");
                        continue;
                    }
                    try
                    {
                        var connection = await _host.DialAsync(addr, _stop.Token).ConfigureAwait(false);
                        state = "connected";
                        error = null;
                        DiscoveryLog.Connected(_logger, peer.PeerId.ToString(), peer.Source, connection.RemoteAddress.ToString());
                        Connected?.Invoke(peer, connection.RemoteAddress);
                        return;
                    }
                    catch (NoiseException e) when (e.UnexpectedRemote is { } other && !_stop.IsCancellationRequested)
                    {
                        // A live member answered, not this peer: the address is wrong, the peer may well be fine.
                        error = e.Message;
                        Drop(peer, given, other == _host.PeerId ? "it reaches ourselves" : $"it reaches {other}");
                    }
                    catch (Exception e) when (MeshFailures.Classify(e) is { } failure && !_stop.IsCancellationRequested)
                    {
                        error = e.Message;
                        if (failure == TunnelFailure.Handshake)
                        {
                            // Another private network or an impostor: every address will fail the same way.
                            state = "ignored";
                            DiscoveryLog.Ignored(_logger, peer.PeerId.ToString(), peer.Source, e.Message);
                            return;
                        }
                    }
                }
                DiscoveryLog.Failed(_logger, peer.PeerId.ToString(), peer.Source, error ?? "no address");
            }
            finally
            {
                _dials.Release();
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_lock)
            {
                if (_peers.TryGetValue(id, out var entry))
                {
                    entry.Dialing = false;
                    entry.State = state;
                    entry.Error = error;
                }
            }
        }
    }

    /// <summary>True when <paramref name="address"/> is an address our own listeners answer on (wildcards expanded).</summary>
    private bool IsOwn(Multiaddr address)
    {
        var transport = address.WithoutPeerId();
        return _host.DirectAddresses.Any(own => own.Equals(transport));
    }

    private bool IsDropped(PeerId id, Multiaddr address)
    {
        lock (_lock) return _peers.TryGetValue(id, out var entry) && entry.Dropped.ContainsKey(address.ToString());
    }

    private void Drop(DiscoveredPeer peer, Multiaddr address, string reason)
    {
        lock (_lock)
        {
            if (_peers.TryGetValue(peer.PeerId, out var entry)) entry.Dropped[address.ToString()] = reason;
        }
        DiscoveryLog.AddressDropped(_logger, address.ToString(), peer.PeerId.ToString(), peer.Source, reason);
    }

    private sealed class Entry
    {
        /// <summary>Announced addresses not to dial again (address → why), until the announcement changes.</summary>
        public Dictionary<string, string> Dropped { get; } = new(StringComparer.Ordinal);

        public required DiscoveredPeer Peer { get; set; }

        public string Signature { get; set; } = "";

        public string State { get; set; } = "connecting";

        public string? Error { get; set; }

        public bool Dialing { get; set; }
    }
}
