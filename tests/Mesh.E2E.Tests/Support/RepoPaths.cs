using System.Reflection;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>The repository and the built agent the tests run.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } = typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "Configuration").Value!;

    /// <summary>The agent as built, with its plugins/ and policies/ beside it.</summary>
    public static string HostDll => Path.Combine(Root, "src", "Host", "bin", Configuration, "net10.0", "pluginmesh.dll");

    /// <summary>Where plugin builds land (the host build copies them beside itself; this is always the newest).</summary>
    public static string PluginsDir => Path.Combine(Root, "artifacts", "plugins", Configuration);

    public static string Policies => Path.Combine(Root, "policies");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PluginMesh.sln"))) return dir.FullName;
        throw new InvalidOperationException("PluginMesh.sln not found above " + AppContext.BaseDirectory);
    }
}
