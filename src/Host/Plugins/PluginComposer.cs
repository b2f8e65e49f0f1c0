using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;

namespace PluginMesh.Host.Plugins;

/// <summary>
/// Decides which plugins run and checks their configuration. Everything here happens before any
/// socket is bound: the result is either a valid plugin set or every problem found.
/// </summary>
internal static class PluginComposer
{
    /// <summary>
    /// The agent's plugins: those the profile lists or the configuration has a section for, unless
    /// <c>enabled: false</c>. Only those are loaded (and any whose assembly declares no id, see
    /// <see cref="InstalledPlugins.LoadFor"/>); the set lists every folder, each disabled one with why.
    /// </summary>
    public static PluginSet Compose(
        IConfiguration config,
        IReadOnlySet<string> explicitIds,
        IReadOnlyList<string> profilePlugins,
        InstalledPlugins installed,
        List<ConfigProblem> problems,
        ILogger logger)
    {
        var directories = installed.Directories;
        var wanted = new HashSet<string>(explicitIds, StringComparer.OrdinalIgnoreCase);
        wanted.UnionWith(profilePlugins);
        var turnedOff = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var id in wanted.Order(StringComparer.Ordinal))
        {
            var enabledText = config["plugins:" + id + ":enabled"];
            if (enabledText is not null && !bool.TryParse(enabledText, out _))
                problems.Add(new ConfigProblem($"plugins.{id}.enabled", $"'{enabledText}' is not true or false"));
            if (enabledText is not null && bool.TryParse(enabledText, out var on) && !on) turnedOff.Add(id);
        }
        wanted.ExceptWith(turnedOff);

        // A plugin the configuration does not enable is not loaded when its assembly declares its id.
        installed.LoadFor(wanted);
        var all = installed.Listed;
        var byId = all.GroupBy(p => p.Id, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.OrdinalIgnoreCase);
        var enabled = new List<LoadedPlugin>();
        foreach (var id in wanted.Order(StringComparer.Ordinal))
        {
            var isExplicit = explicitIds.Contains(id);
            if (!byId.TryGetValue(id, out var found))
            {
                if (isExplicit) problems.Add(new ConfigProblem("plugins." + id, $"no such plugin in {string.Join(", ", directories)}{SkippedHint(all)}"));
                else logger.LogWarning("Profile plugin {PluginId} is not installed in {Directories}; skipping it", id, string.Join(", ", directories));
                continue;
            }
            var failed = found.FirstOrDefault(p => p.Error is not null);
            if (failed is not null)
            {
                problems.Add(new ConfigProblem("plugins." + id, $"cannot load {failed.Path}: {failed.Error}"));
                continue;
            }
            enabled.Add(found[0]);
        }

        foreach (var p in all.Where(p => p.Error is not null && !wanted.Contains(p.Id)))
            logger.LogWarning("Skipping plugin {PluginId} at {Path}: {Error}", p.Id, p.Path, p.Error);
        var profile = config["profile"] ?? "default";
        foreach (var p in all.Where(p => p.State == PluginState.Disabled && !wanted.Contains(p.Id)))
        {
            p.DisabledBecause = turnedOff.Contains(p.Id)
                ? $"plugins.{p.Id}.enabled is false"
                : $"not in profile '{profile}' and no plugins.{p.Id} section";
        }
        return Validated(config, enabled, all, installed.Directories, problems);
    }

    /// <summary>
    /// A plugin command's node: <paramref name="named"/> plus an installed provider (the first by id) of
    /// each capability they require and do not provide themselves, whatever the profile and the
    /// sections' <c>enabled</c> say; checked and ordered as the agent's.
    /// </summary>
    public static PluginSet ComposeOnly(IConfiguration config, IReadOnlyList<string> named, InstalledPlugins installed, List<ConfigProblem> problems)
    {
        var enabled = new List<LoadedPlugin>();
        foreach (var id in named.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var plugin = installed.Find(id);
            if (plugin is null) problems.Add(new ConfigProblem("plugins." + id, $"no such plugin in {string.Join(", ", installed.Directories)}"));
            else if (plugin.Error is not null) problems.Add(new ConfigProblem("plugins." + id, $"cannot load {plugin.Path}: {plugin.Error}"));
            else enabled.Add(plugin);
        }
        for (var i = 0; i < enabled.Count; i++)
        {
            foreach (var capability in enabled[i].Descriptor!.Requires.Where(c => !enabled.Any(p => p.Descriptor!.Provides.Contains(c, StringComparer.OrdinalIgnoreCase))))
            {
                var provider = installed.All().Where(p => p.Instance is not null && p.Error is null && p.Descriptor!.Provides.Contains(capability, StringComparer.OrdinalIgnoreCase))
                    .OrderBy(p => p.Id, StringComparer.Ordinal).FirstOrDefault();
                if (provider is not null) enabled.Add(provider); // none: StartOrder reports the missing capability
            }
        }
        return Validated(config, enabled, installed.Loaded, installed.Directories, problems);
    }

    /// <summary>Marks the plugins enabled; each validates its own section; then the start order (missing required capabilities, cycles).</summary>
    private static PluginSet Validated(IConfiguration config, List<LoadedPlugin> enabled, IReadOnlyList<LoadedPlugin> listed, IReadOnlyList<string> directories, List<ConfigProblem> problems)
    {
        foreach (var plugin in enabled)
        {
            plugin.Enabled = true;
            plugin.State = PluginState.Loaded;
            var section = config.GetSection("plugins:" + plugin.Id);
            try
            {
                plugin.Instance!.Validate(new PluginValidationContext(plugin.Id, section, "plugins." + plugin.Id, problems));
            }
            catch (Exception ex)
            {
                problems.Add(new ConfigProblem("plugins." + plugin.Id, $"validation threw {ex.GetType().Name}: {ex.Message}"));
            }
        }

        var ordered = StartOrder.Compute(enabled, problems);
        return new PluginSet(listed, ordered, directories);
    }

    /// <summary>The plugin asked for may sit in a folder that was skipped: say where to look.</summary>
    private static string SkippedHint(IReadOnlyList<LoadedPlugin> all)
    {
        var skipped = all.Where(p => p.State == PluginState.Skipped).Select(p => p.Path).ToList();
        return skipped.Count == 0 ? "" : $" (skipped, holding no plugin the host could pick: {string.Join(", ", skipped)}; 'pluginmesh plugins' says why)";
    }
}
