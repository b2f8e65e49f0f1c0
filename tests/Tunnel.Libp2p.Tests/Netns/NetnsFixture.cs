namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Netns;

/// <summary>Removes namespaces a killed earlier run left behind, before and after the collection.</summary>
public sealed class NetnsFixture : IDisposable
{
    public NetnsFixture() => NetnsLab.DeleteLeftovers();

    public void Dispose() => NetnsLab.DeleteLeftovers();
}
