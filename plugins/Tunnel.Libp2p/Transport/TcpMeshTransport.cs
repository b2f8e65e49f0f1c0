using System.Net.Sockets;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Transport;

/// <summary>TCP as an Abstractions <see cref="ITransport"/>: raw, not yet secured connections.</summary>
public sealed class TcpMeshTransport : ITransport
{
    public string Name => "tcp";

    public bool CanDial(string multiaddr) => Multiaddr.TryParse(multiaddr, out var a, out _) && TcpTransport.CanDial(a!);

    public async ValueTask<ITransportConnection> DialAsync(string multiaddr, CancellationToken cancellationToken)
    {
        if (!Multiaddr.TryParse(multiaddr, out var address, out var error) || !TcpTransport.CanDial(address!))
            throw new ArgumentException($"[tunnel.libp2p] tcp cannot dial '{multiaddr}' ({error ?? "not a tcp address"})", nameof(multiaddr));
        try
        {
            var socket = await TcpTransport.DialAsync(address!, cancellationToken).ConfigureAwait(false);
            return new TcpTransportConnection(socket);
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
            throw new TunnelException(failure, $"[tunnel.libp2p] tcp dial {multiaddr}: {e.Message}", e);
        }
    }
}
