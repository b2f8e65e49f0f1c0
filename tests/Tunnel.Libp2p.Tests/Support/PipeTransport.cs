using PluginMesh.Abstractions.Tunnel;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary>
/// Stands in for the relay plugin's transport: dials /p2p-circuit addresses by handing out one end
/// of a real socket pair, whose other end the test gives to the target's AcceptInboundAsync.
/// </summary>
internal sealed class PipeTransport : ITransport
{
    public List<Multiaddr> Dialed { get; } = [];

    public Func<Multiaddr, Task<Stream>>? Connect { get; set; }

    public string Name => "test-circuit";

    public bool CanDial(Multiaddr multiaddr) => multiaddr.IsRelayed;

    public async ValueTask<TransportDialResult> DialAsync(Multiaddr multiaddr, CancellationToken cancellationToken)
    {
        lock (Dialed) Dialed.Add(multiaddr);
        if (Connect is null) return TransportDialResult.Failed(TunnelFailure.RelayRefused, "test relay: no target");
        return TransportDialResult.Connected(new RawConnection(await Connect(multiaddr), Multiaddr.Parse("/p2p-circuit"), multiaddr));
    }
}
