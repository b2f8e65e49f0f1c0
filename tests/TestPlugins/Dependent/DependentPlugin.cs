using PluginMesh.Abstractions.Plugins;
namespace PluginMesh.TestPlugins;
public sealed class DependentPlugin : JournalPlugin
{
    // Named to sort before test.good, so only the declared requirement can put it second.
    public override PluginDescriptor Descriptor { get; } = Make("test.a-dependent", [], ["test.cap"]);
}
