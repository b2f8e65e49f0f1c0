namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>Network-namespace tests share one fixture that first removes leftovers of crashed runs.</summary>
[CollectionDefinition(Name)]
public sealed class NetnsCollection : ICollectionFixture<NetnsCleanup>
{
    public const string Name = "netns";
}

/// <summary>Deletes leftover namespaces once per test run.</summary>
public sealed class NetnsCleanup
{
    public NetnsCleanup() => TestNetns.DeleteLeftovers();
}
