using System.Reflection;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>The built agent the tests run, in the repository (<see cref="RepoPaths.Root"/>).</summary>
internal static class AgentPaths
{
    public static string Configuration { get; } = typeof(AgentPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "Configuration").Value!;

    /// <summary>The agent as built, with its plugins/ and policies/ beside it.</summary>
    public static string HostDll => Path.Combine(RepoPaths.Root, "src", "Cli", "bin", Configuration, "net10.0", "pluginmesh.dll");

    /// <summary>Where plugin builds land (the host build copies them beside itself; this is always the newest).</summary>
    public static string PluginsDir => Path.Combine(RepoPaths.Root, "artifacts", "plugins", Configuration);

    public static string Policies => Path.Combine(RepoPaths.Root, "policies");
}
