using PluginMesh.Abstractions.Plugins;
namespace PluginMesh.TestPlugins;
public sealed class MisdeclaredPlugin : JournalPlugin
{
    public override PluginDescriptor Descriptor { get; } = Make("test.misdeclared", [], []);
}
