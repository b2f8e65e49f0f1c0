using PluginMesh.Abstractions.Discovery;
using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>
/// Runs <see cref="MdnsDiscovery"/> in the agent's lifecycle and keeps its advertisement in step
/// with <see cref="ILocalPeer"/>. Without a local peer (no tunnel plugin) it queries and reports
/// peers but advertises nothing: there would be nothing to connect to.
/// </summary>
internal sealed class MdnsHostedService(MdnsDiscovery discovery, ILocalPeer? localPeer) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (localPeer is not null)
        {
            localPeer.AddressesChanged += OnAddressesChanged;
            discovery.Advertise(Current(localPeer));
        }
        await discovery.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (localPeer is not null) localPeer.AddressesChanged -= OnAddressesChanged;
        await discovery.DisposeAsync().ConfigureAwait(false);
    }

    private void OnAddressesChanged() => discovery.Advertise(Current(localPeer!));

    private static LocalPeerAdvertisement Current(ILocalPeer peer) => new(peer.PeerId, peer.Addresses);
}
