using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.Protocol;

namespace PluginMesh.Plugins.Tunnel.Relay.Client;

/// <summary>
/// "A relay is just another transport": dials <c>/…/p2p/&lt;relay&gt;/p2p-circuit/p2p/&lt;target&gt;</c>
/// by opening <c>/hop</c> to the relay and sending CONNECT. The returned connection is raw; the tunnel
/// secures and multiplexes it like a TCP socket.
/// </summary>
internal sealed class CircuitTransport(IMeshTunnel tunnel) : ITransport
{
    public string Name => "circuit-relay";

    public bool CanDial(string multiaddr) => CircuitAddress.TryParse(multiaddr, out _);

    public async ValueTask<ITransportConnection> DialAsync(string multiaddr, CancellationToken cancellationToken)
    {
        if (!CircuitAddress.TryParse(multiaddr, out var circuit))
            throw new ArgumentException($"[tunnel.relay] dial: '{multiaddr}' is not a /p2p-circuit address", nameof(multiaddr));
        var relay = new CircuitAddressRelay(circuit!.RelayAddress, circuit.RelayPeerId);
        var stream = await HopClient.ConnectAsync(tunnel, relay, circuit.TargetPeerId, cancellationToken).ConfigureAwait(false);
        return new RelayedConnection(stream, $"{circuit.RelayAddress}/p2p-circuit/p2p/{tunnel.LocalPeerId}", circuit.ToString());
    }
}
