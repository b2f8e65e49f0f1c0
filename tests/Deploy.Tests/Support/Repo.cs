namespace PluginMesh.Deploy.Tests.Support;

/// <summary>Paths in the repository, found from the test's output directory (the folder holding PluginMesh.sln).</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string ChartDirectory => Path.Combine(Root, "deploy", "helm", "pluginmesh");

    public static string Manifests => Path.Combine(Root, "deploy", "manifests", "pluginmesh.yaml");

    public static string SystemdUnit => Path.Combine(Root, "deploy", "systemd", "pluginmesh.service");

    public static string Dockerfile => Path.Combine(Root, "Dockerfile");

    /// <summary>The Debug host that `dotnet build` of the solution (or of src/Host) leaves, with the plugins copied beside it.</summary>
    public static string HostDll => Path.Combine(Root, "src", "Host", "bin", "Debug", "net10.0", "pluginmesh.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PluginMesh.sln"))) return dir.FullName;
        throw new InvalidOperationException("PluginMesh.sln not found above " + AppContext.BaseDirectory);
    }
}
