using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Pnet;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary>Starts real hosts on loopback with ephemeral ports.</summary>
internal static class HostFactory
{
    public static async Task<Libp2pHost> StartAsync(SwarmKey? psk = null, bool listen = true)
    {
        var host = new Libp2pHost(new Libp2pHostOptions
        {
            Identity = PrivateKey.Generate(),
            ListenAddresses = listen ? [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] : [],
            PrivateNetworkKey = psk,
            UpgradeTimeout = TimeSpan.FromSeconds(5),
        });
        await host.StartAsync();
        return host;
    }

    public static Multiaddr DialAddress(Libp2pHost host) => host.ListenAddresses[0].WithPeerId(host.PeerId);
}
