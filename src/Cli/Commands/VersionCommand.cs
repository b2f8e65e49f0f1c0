using System.Runtime.InteropServices;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Configuration;

namespace PluginMesh.Cli.Commands;

/// <summary><c>pluginmesh version</c>.</summary>
internal static class VersionCommand
{
    public static CliCommand Command { get; } = new("version", "Print version, plugin API version and platform", """
        Usage: pluginmesh version

        Prints the agent version, the plugin API (Abstractions) version plugins must be built
        against, the .NET runtime and the platform.
        """, async (_, io) =>
        {
            await io.Out.WriteLineAsync($"pluginmesh {ConfigLoader.AssemblyVersion()} (plugin API {AbstractionsApi.Version}, .NET {Environment.Version}, {RuntimeInformation.RuntimeIdentifier})");
            return 0;
        });
}
