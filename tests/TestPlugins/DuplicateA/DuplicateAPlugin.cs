using PluginMesh.Abstractions.Plugins;
namespace PluginMesh.TestPlugins;
public sealed class DuplicateAPlugin : JournalPlugin
{
    public override PluginDescriptor Descriptor { get; } = Make("test.dup", [], []);
}
