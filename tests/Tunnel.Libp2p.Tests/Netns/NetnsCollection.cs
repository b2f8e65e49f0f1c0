namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Netns;

/// <summary>Network-namespace tests run one at a time, after leftovers of killed runs are removed.</summary>
[CollectionDefinition(Name)]
public sealed class NetnsCollection : ICollectionFixture<NetnsFixture>
{
    public const string Name = "netns";
}
