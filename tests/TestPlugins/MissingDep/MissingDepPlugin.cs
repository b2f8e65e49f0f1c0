using PluginMesh.Abstractions.Plugins;
using PluginMesh.TestPlugins.MissingLib;
namespace PluginMesh.TestPlugins;
public sealed class MissingDepPlugin : JournalPlugin
{
    public override PluginDescriptor Descriptor { get; } = Make("test.missingdep-" + MissingThing.Name, [], []);
}
