using PluginMesh.Abstractions.Plugins;
namespace PluginMesh.TestPlugins;
public sealed class ThrowingPlugin : JournalPlugin
{
    public ThrowingPlugin() => throw new InvalidOperationException("boom from the constructor");
    public override PluginDescriptor Descriptor => Make("test.throwing", [], []);
}
