namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>
/// Namespace tests run one at a time: each makes its own LAN, but the build machine has two cores
/// and every node is a separate .NET process.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NetnsCollection
{
    public const string Name = "network namespaces";
}
