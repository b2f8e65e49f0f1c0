namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Interop;

/// <summary>js interop tests share one harness install and run one at a time (2 shared cores).</summary>
[CollectionDefinition(Name)]
public sealed class JsCollection : ICollectionFixture<JsHarnessFixture>
{
    public const string Name = "js-libp2p";
}
