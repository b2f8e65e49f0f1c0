using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;
using PluginMesh.TestSupport;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Network;

/// <summary>What <see cref="PluginMesh.Abstractions.Tunnel.ILocalPeer.Addresses"/> hands to other nodes, against the cluster's pod networks.</summary>
public sealed class LocalPeerAddressesTests
{
    [Fact]
    public async Task Addresses_InsideANodesPodCidr_AreNotAdvertised_AndTheChangeIsRaisedWhenTheCatalogLearnsIt()
    {
        // A node's pod bridge gateway (10.244.N.1 on cni0) is an interface address like any other, but no
        // other node reaches it: advertised, every peer dialing this agent waits a connect timeout on it.
        // Here the listener's 127.0.0.1 plays that address (a catalog that calls 127.0.0.0/8 a pod CIDR).
        var catalog = new SnapshotCatalog();
        var services = new CatalogOnly(catalog);
        var dir = Directory.CreateTempSubdirectory("pm-localaddr-").FullName;
        try
        {
            await using var node = new Libp2pNodeService(new Libp2pOptions
            {
                KeyFile = Path.Combine(dir, "node.key"),
                Listen = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
            }, NullLoggerFactory.Instance, services: services);
            await node.StartAsync(TestTimeout.Token());
            Assert.Contains(node.LocalPeer.Addresses, a => a.ToString().StartsWith("/ip4/127.0.0.1/", StringComparison.Ordinal));
            var changes = 0;
            node.LocalPeer.AddressesChanged += () => Interlocked.Increment(ref changes);

            catalog.PublishNodes(new MeshNode("other-node", ["10.244.9.0/24"], []));
            Assert.Equal(0, changes);
            catalog.PublishNodes(new MeshNode("other-node", ["10.244.9.0/24"], []), new MeshNode("this-node", ["127.0.0.0/8"], []));

            Assert.Equal(1, changes);
            Assert.DoesNotContain(node.LocalPeer.Addresses, a => a.ToString().StartsWith("/ip4/127.0.0.1/", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The agent's services as far as this test needs them: the catalog, and no other plugin (empty lists).</summary>
    private sealed class CatalogOnly(IServiceCatalog catalog) : IServiceProvider
    {
        public object? GetService(Type type) =>
            type == typeof(IServiceCatalog) ? catalog
            : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>) ? Array.CreateInstance(type.GetGenericArguments()[0], 0)
            : null;
    }
}
