namespace PluginMesh.Plugins.Tunnel.Libp2p.Transport;

/// <summary>TCP as an Abstractions <see cref="ITransport"/>: raw, not yet secured connections.</summary>
public sealed class TcpMeshTransport : ITransport
{
    public string Name => "tcp";

    public bool CanDial(Multiaddr multiaddr) => multiaddr is not null && TcpTransport.CanDial(multiaddr);

    public async ValueTask<TransportDialResult> DialAsync(Multiaddr multiaddr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(multiaddr);
        if (!TcpTransport.CanDial(multiaddr))
            throw new ArgumentException($"[tunnel.libp2p] tcp cannot dial '{multiaddr}' (not a tcp address)", nameof(multiaddr));
        try
        {
            var socket = await TcpTransport.DialAsync(multiaddr, cancellationToken).ConfigureAwait(false);
            return TransportDialResult.Connected(new TcpTransportConnection(socket));
        }
        catch (SocketException e)
        {
            var failure = e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => TunnelFailure.Refused,
                SocketError.TimedOut => TunnelFailure.Timeout,
                SocketError.HostNotFound or SocketError.NoData => TunnelFailure.Unresolved,
                _ => TunnelFailure.Refused,
            };
            return TransportDialResult.Failed(failure, $"[tunnel.libp2p] tcp dial {multiaddr}: {e.Message}");
        }
    }
}
