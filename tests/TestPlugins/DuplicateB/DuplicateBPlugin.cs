using PluginMesh.Abstractions.Plugins;
namespace PluginMesh.TestPlugins;
public sealed class DuplicateBPlugin : JournalPlugin
{
    public override PluginDescriptor Descriptor { get; } = Make("test.dup", [], []);
}
