using PluginMesh.Abstractions.Plugins;
namespace PluginMesh.TestPlugins;
public sealed class FailStartPlugin : JournalPlugin
{
    public override PluginDescriptor Descriptor { get; } = Make("test.failstart", [], ["test.cap"]);
    protected override bool FailStart => true;
}
