using PluginMesh.Abstractions.Plugins;
namespace PluginMesh.TestPlugins;
public sealed class DeclaredPlugin : JournalPlugin
{
    public override PluginDescriptor Descriptor { get; } = Make("test.declared", [], []);
}
