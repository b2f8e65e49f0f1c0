// The runtime looks a startup hook up by this exact name, in no namespace (DOTNET_STARTUP_HOOKS).
#pragma warning disable CA1050

/// <summary>
/// Loaded into a <c>pluginmesh</c> process by <see cref="PluginMesh.Demo.Tests.DemoAssemblyLoadTests"/>:
/// when the process exits, writes the name of every assembly it loaded (all load contexts, plugins
/// included) to the file named by <c>PLUGINMESH_TEST_LOADED_ASSEMBLIES</c>. Touches nothing but the
/// base library, so it loads no PluginMesh assembly itself.
/// </summary>
internal static class StartupHook
{
    public const string OutputVariable = "PLUGINMESH_TEST_LOADED_ASSEMBLIES";

    public static void Initialize()
    {
        var path = Environment.GetEnvironmentVariable(OutputVariable);
        if (string.IsNullOrEmpty(path)) return;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            File.WriteAllLines(path, AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name ?? "?").Order(StringComparer.Ordinal));
    }
}
