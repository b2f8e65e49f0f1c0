using PluginMesh.Abstractions.Plugins;
namespace PluginMesh.TestPlugins;
public sealed class GoodPlugin : JournalPlugin
{
    public override PluginDescriptor Descriptor { get; } = Make("test.good", ["test.cap"], []);
}
