namespace PluginMesh.Plugins.Tunnel.Relay.Client;

/// <summary>
/// "A relay is just another transport": dials <c>/…/p2p/&lt;relay&gt;/p2p-circuit/p2p/&lt;target&gt;</c>
/// by opening <c>/hop</c> to the relay and sending CONNECT. The returned connection is raw; the tunnel
/// secures and multiplexes it like a TCP socket.
/// </summary>
internal sealed class CircuitTransport(IMeshTunnel tunnel) : ITransport
{
    public string Name => "circuit-relay";

    public bool CanDial(Multiaddr multiaddr) => multiaddr is not null && multiaddr.TryGetCircuit(out _, out _, out _);

    public async ValueTask<TransportDialResult> DialAsync(Multiaddr multiaddr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(multiaddr);
        if (!multiaddr.TryGetCircuit(out var relayAddress, out var relayId, out var target))
            throw new ArgumentException($"[tunnel.relay] dial: '{multiaddr}' is not a /p2p-circuit address", nameof(multiaddr));
        var relay = new CircuitAddressRelay(relayAddress, relayId);
        var circuit = await HopClient.ConnectAsync(tunnel, relay, target, cancellationToken).ConfigureAwait(false);
        return circuit.Ok
            ? TransportDialResult.Connected(new RelayedConnection(circuit.Stream, Multiaddr.Circuit(relayAddress, tunnel.LocalPeerId), Multiaddr.Circuit(relayAddress, target)))
            : TransportDialResult.Failed(circuit.Failure, circuit.Error);
    }
}
