using PluginMesh.Host.Hosting;

namespace PluginMesh.Cli;

/// <summary>
/// Options that may stand before any command (<c>pluginmesh --plugins-dir DIR up</c>) and so reach
/// every command: <c>--config FILE</c>, <c>--plugins-dir DIR</c> (repeatable, adds a plugins
/// directory after the default one) and <c>--no-default-plugins</c>.
/// </summary>
internal static class GlobalOptions
{
    public static string[] Values { get; } = ["config", "plugins-dir"];

    public static string[] Flags { get; } = ["no-default-plugins"];

    public static PluginDirectoryOptions PluginDirs(CliArgs args) => new(args.Values("plugins-dir"), args.Flag("no-default-plugins"));
}
