namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

/// <summary>js tests share one npm install and run one at a time (2 cores, node is heavy).</summary>
[CollectionDefinition(Name)]
public sealed class JsCollection : ICollectionFixture<JsRelayFixture>
{
    public const string Name = "js relay";
}
