using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Bundle;
using PluginMesh.Host.Configuration;

namespace PluginMesh.Host.Hosting;

/// <summary>Where plugins and policies come from: beside the binary, else the embedded bundle; plugins also from extra directories.</summary>
internal static class AgentPaths
{
    /// <summary>
    /// The plugin directories searched, in this order: the default one (<c>plugins/</c> beside the
    /// binary, else the bundle unpacked into the data directory) unless <c>node.defaultPlugins</c> is
    /// false or <c>--no-default-plugins</c> is given, then <c>node.pluginDirs</c>, then each
    /// <c>--plugins-dir</c>. A directory named twice is searched once. A directory named explicitly
    /// that does not exist is a problem (a typo must not quietly load nothing); a missing default one
    /// is not, it is only logged when plugins are loaded.
    /// </summary>
    public static IReadOnlyList<string> PluginDirectories(PluginDirectoryOptions flags, HostSettings settings, List<ConfigProblem> problems) =>
        PluginDirectories(flags, settings, problems, () => DefaultPluginsDirectory(settings.Node.DataDirectory));

    /// <summary>As above, with the default directory supplied (asked only when it is used: finding it may unpack the bundle).</summary>
    internal static IReadOnlyList<string> PluginDirectories(PluginDirectoryOptions flags, HostSettings settings, List<ConfigProblem> problems, Func<string> defaultDirectory)
    {
        var dirs = new List<string>();
        if (settings.DefaultPlugins && !flags.SkipDefault) dirs.Add(defaultDirectory());
        for (var i = 0; i < settings.PluginDirectories.Count; i++) Add(Path.GetFullPath(settings.PluginDirectories[i]), $"node.pluginDirs[{i}]");
        foreach (var dir in flags.Extra) Add(Path.GetFullPath(dir), "--plugins-dir");
        return dirs;

        void Add(string dir, string origin)
        {
            dir = Path.TrimEndingDirectorySeparator(dir);
            if (!Directory.Exists(dir)) problems.Add(new ConfigProblem(origin, $"'{dir}' is not a directory"));
            else if (!dirs.Contains(dir, StringComparer.Ordinal)) dirs.Add(dir);
        }
    }

    /// <summary>The plugins that ship with pluginmesh: <c>plugins/</c> beside the binary, else the embedded bundle's copy.</summary>
    public static string DefaultPluginsDirectory(string dataDir) => Shipped("plugins", dataDir);

    public static string PoliciesDirectory(string configured, string dataDir) =>
        string.IsNullOrWhiteSpace(configured) ? Shipped("policies", dataDir) : configured;

    /// <summary><paramref name="name"/>/ beside the binary, else in the embedded bundle (unpacked on first use), else the missing one beside the binary.</summary>
    private static string Shipped(string name, string dataDir)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, name);
        if (Directory.Exists(beside)) return beside;
        var bundle = EmbeddedBundle.Unpack(dataDir);
        return bundle is null ? beside : Path.Combine(bundle, name);
    }
}
