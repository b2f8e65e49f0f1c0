using PluginMesh.Abstractions.Discovery;
using PluginMesh.Plugins.Tunnel.Libp2p.Discovery;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli;

/// <summary>The mDNS side of <c>p2p listen --mdns</c>: stopped in reverse order of start.</summary>
internal sealed class MdnsRun(IStandaloneDiscovery discovery, DiscoveryConnector connector, IDisposable subscription) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        subscription.Dispose();
        await discovery.DisposeAsync().ConfigureAwait(false);
        await connector.DisposeAsync().ConfigureAwait(false);
    }
}
