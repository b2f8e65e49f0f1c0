namespace PluginMesh.TestPlugins.MissingLib;
public static class MissingThing
{
    public static string Name => "missing";
}
