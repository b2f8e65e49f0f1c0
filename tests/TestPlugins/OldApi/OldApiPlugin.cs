using PluginMesh.Abstractions.Plugins;
namespace PluginMesh.TestPlugins;
public sealed class OldApiPlugin : JournalPlugin
{
    public override PluginDescriptor Descriptor { get; } = Make("test.oldapi", [], [], api: 0);
}
