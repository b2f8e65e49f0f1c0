namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

// Hole punching: a punched connection that lands on our listener instead of our connecting socket.
public sealed partial class Libp2pHost
{
    private readonly Dictionary<IPEndPoint, TaskCompletionSource<Socket>> _expectedPunches = [];

    /// <summary>
    /// Waits for the peer's hole-punch dial from <paramref name="from"/> to arrive on one of our
    /// listeners and upgrades it with the role DCUtR gave us (<paramref name="initiator"/>), not the
    /// listener's usual responder role. That happens when the peer's SYN reaches us before ours left
    /// (no NAT in front of us, or both ends on one host): our own dial then fails
    /// (address in use / refused) and this is the connection. The caller adopts it.
    /// </summary>
    internal async Task<Libp2pConnection> AcceptPunchedAsync(IPEndPoint from, PeerId peer, bool initiator, CancellationToken cancellationToken)
    {
        var arrived = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock) _expectedPunches[from] = arrived;
        Socket socket;
        try
        {
            socket = await arrived.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A socket handed over while we gave up would belong to nobody: close it (the accept loop
            // treats a refused hand-over as a normal inbound connection instead).
            if (!arrived.TrySetCanceled(cancellationToken) && arrived.Task.IsCompletedSuccessfully) arrived.Task.Result.Dispose();
            throw;
        }
        finally
        {
            lock (_lock)
            {
                if (_expectedPunches.TryGetValue(from, out var current) && current == arrived) _expectedPunches.Remove(from);
            }
        }
        TcpTransport.Configure(socket);
        var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            var local = Multiaddr.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);
            return await _upgrader.UpgradeAsync(stream, initiator, peer, local, Multiaddr.FromEndPoint(from), OnInboundStream, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _metrics.UpgradeFailed(outbound: initiator); // counted by the role we took in the upgrade
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>True (and the socket handed over) when an accepted socket is a hole punch someone waits for.</summary>
    private bool TakeExpectedPunch(Socket socket)
    {
        if (socket.RemoteEndPoint is not IPEndPoint remote) return false;
        TaskCompletionSource<Socket>? waiting;
        lock (_lock)
        {
            if (_expectedPunches.Count == 0 || !_expectedPunches.Remove(Normalize(remote), out waiting)) return false;
        }
        return waiting.TrySetResult(socket);
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}
