using System.Collections.Concurrent;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Network;

/// <summary>
/// <see cref="IPeerNetwork"/> over the node service's host. Connections are reported to other
/// plugins once Identify finished (so their protocol lists are known), and a closed connection is
/// reported only if its opening was.
/// </summary>
public sealed class PeerNetwork : IPeerNetwork
{
    private readonly Libp2pNodeService _node;
    private readonly ILogger _logger;
    // 1 = PeerConnected raised; removal decides whether PeerDisconnected follows.
    private readonly ConcurrentDictionary<Libp2pConnection, int> _reported = new();
    private int _reachability;

    internal PeerNetwork(Libp2pNodeService node, ILogger logger)
    {
        _node = node;
        _logger = logger;
        node.Started += host =>
        {
            host.ConnectionOpened += OnOpened;
            host.ConnectionClosed += OnClosed;
        };
    }

    public Reachability Reachability => (Reachability)Volatile.Read(ref _reachability);

    public bool PrivateNetwork => _node.Options.PskFile is not null;

    public event Action<Reachability>? ReachabilityChanged;

    public IReadOnlyList<PeerConnection> Connections => [.. (_node.Host?.Connections ?? []).Where(c => !c.IsClosed).Select(ToRecord)];

    public event Action<PeerConnection>? PeerConnected;

    public event Action<PeerConnection>? PeerDisconnected;

    public void SetAnnouncedAddresses(string source, IReadOnlyList<Multiaddr> multiaddrs)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentNullException.ThrowIfNull(multiaddrs);
        if (multiaddrs.Any(a => a is null)) throw new ArgumentException($"[tunnel.libp2p] announced address from {source}: null", nameof(multiaddrs));
        _node.Announced.Set(source, multiaddrs);
    }

    public async ValueTask<PeerConnection> AcceptInboundAsync(ITransportConnection raw, PathKind path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var host = _node.Host ?? throw new TunnelException(TunnelFailure.Unresolved, "[tunnel.libp2p] accept inbound: the libp2p node is not started");
        var local = raw.LocalAddress;
        var remote = raw.RemoteAddress;
        Libp2pConnection connection;
        try
        {
            connection = await host.AcceptInboundAsync(raw.Stream, local, remote, path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not TunnelException && MeshFailures.Classify(e) is { } failure)
        {
            throw new TunnelException(failure, $"[tunnel.libp2p] inbound upgrade from {remote}: {e.Message}", e);
        }
        _ = connection.Session.Completion.ContinueWith(_ => raw.DisposeAsync().AsTask(), TaskScheduler.Default).Unwrap();
        return ToRecord(connection);
    }

    public async ValueTask<TimeSpan> PingAsync(PeerId peerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peerId);
        var host = _node.Host ?? throw new TunnelException(TunnelFailure.Unresolved, "[tunnel.libp2p] ping: the libp2p node is not started");
        var connection = host.GetConnection(peerId) ?? throw new TunnelException(TunnelFailure.Unresolved, $"[tunnel.libp2p] ping: not connected to {peerId}");
        try
        {
            return await host.PingAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not TunnelException && MeshFailures.Classify(e) is { } failure)
        {
            throw new TunnelException(failure, $"[tunnel.libp2p] ping {peerId}: {e.Message}", e);
        }
    }

    /// <summary>Sets the reachability (from AutoNAT) and raises the event when it changed.</summary>
    internal void SetReachability(Reachability value)
    {
        if (Interlocked.Exchange(ref _reachability, (int)value) == (int)value) return;
        NetworkLog.ReachabilityChanged(_logger, value.ToString());
        ReachabilityChanged?.Invoke(value);
    }

    internal static PeerConnection ToRecord(Libp2pConnection c) => new(
        c.RemotePeerId, c.RemoteAddress, c.Path, !c.IsInitiator, c.OpenedAt, c.LastRtt,
        c.RemoteIdentify?.Protocols ?? []);

    private void OnOpened(Libp2pConnection connection)
    {
        _ = connection.IdentifyTask.ContinueWith(async _ =>
        {
            // A duplicate already retired in favour of another connection is never announced.
            if (connection.IsClosed || connection.ReplacedBy is not null || !_reported.TryAdd(connection, 1)) return;
            PeerConnected?.Invoke(ToRecord(connection));
            // Closed while we were reporting it: OnClosed may have run before TryAdd.
            if (connection.IsClosed) OnClosed(connection);
            // One ping gives status and path choice an RTT without a periodic load on every peer.
            if (connection.RemoteIdentify?.Protocols.Contains(PingProtocol.ProtocolId) == true && _node.Host is { } host)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    await host.PingAsync(connection, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or Multistream.MultistreamException)
                {
                    NetworkLog.PingFailed(_logger, connection.RemotePeerId.ToString(), e.Message);
                }
            }
        }, TaskScheduler.Default).Unwrap();
    }

    private void OnClosed(Libp2pConnection connection)
    {
        if (_reported.TryRemove(connection, out _)) PeerDisconnected?.Invoke(ToRecord(connection));
    }
}
