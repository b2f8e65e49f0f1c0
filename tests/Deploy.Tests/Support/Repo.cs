namespace PluginMesh.Deploy.Tests.Support;

/// <summary>Paths in the repository, found from the test's output directory (the folder holding PluginMesh.sln).</summary>
public static class Repo
{
    public static string Root => RepoPaths.Root;

    public static string ChartDirectory => Path.Combine(Root, "deploy", "helm", "pluginmesh");

    public static string Manifests => Path.Combine(Root, "deploy", "manifests", "pluginmesh.yaml");

    public static string OwnNodePolicy => Path.Combine(Root, "deploy", "manifests", "pluginmesh-own-node.yaml");

    public static string SystemdUnit => Path.Combine(Root, "deploy", "systemd", "pluginmesh.service");

    public static string Dockerfile => Path.Combine(Root, "Dockerfile");

    /// <summary>The Debug host that `dotnet build` of the solution (or of src/Cli) leaves, with the plugins copied beside it.</summary>
    public static string HostDll => Path.Combine(Root, "src", "Cli", "bin", "Debug", "net10.0", "pluginmesh.dll");
}
