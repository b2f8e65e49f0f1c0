using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;

namespace PluginMesh.Host.Plugins;

/// <summary>
/// The folders of the plugin directories, each loaded (<see cref="PluginDiscovery.LoadOne"/>) the first
/// time it is needed: <c>pluginmesh plugins</c> loads every one; the agent loads the plugins its
/// configuration enables and those whose assembly declares no id (<see cref="EntryAssembly.TryDeclaredId"/>);
/// a plugin command loads only the plugins that offer commands and those its node runs.
/// </summary>
/// <remarks>Not thread-safe: the CLI asks from one thread.</remarks>
internal sealed class InstalledPlugins
{
    private readonly List<Folder> _folders = [];

    public InstalledPlugins(IReadOnlyList<string> directories, ILogger logger)
    {
        Directories = directories;
        foreach (var dir in directories)
        {
            if (!Directory.Exists(dir))
            {
                logger.LogWarning("Plugins directory {Directory} does not exist", dir);
                continue;
            }
            foreach (var folder in Directory.GetDirectories(dir).Order(StringComparer.Ordinal))
            {
                EntryAssembly.Choice choice;
                try
                {
                    choice = EntryAssembly.Find(folder);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    choice = new(null, $"cannot read the folder: {ex.Message}");
                }
                _folders.Add(new Folder(folder, choice));
            }
        }
    }

    public IReadOnlyList<string> Directories { get; }

    /// <summary>The folders loaded so far, in directory order.</summary>
    public IReadOnlyList<LoadedPlugin> Loaded => [.. _folders.Select(f => f.Plugin).OfType<LoadedPlugin>()];

    /// <summary>Every folder, loaded; the same id in two folders fails both.</summary>
    public IReadOnlyList<LoadedPlugin> All()
    {
        foreach (var f in _folders) Load(f);
        return Loaded;
    }

    /// <summary>
    /// Loads the folders that hold or may hold one of <paramref name="ids"/>: those whose assembly
    /// declares one of them, and those that declare no id (only loading tells theirs). A folder that
    /// declares an id not asked for stays unloaded: no load context, nothing of it in memory. Two
    /// folders holding the same id asked for are both loaded, so the duplicate fails both as in <see cref="All"/>.
    /// </summary>
    public void LoadFor(IReadOnlyCollection<string> ids)
    {
        var asked = new HashSet<string>(ids, StringComparer.OrdinalIgnoreCase);
        foreach (var f in _folders.Where(f => f.Choice.DeclaredId is not { } declared || asked.Contains(declared))) Load(f);
    }

    /// <summary>
    /// Every folder in directory order: the plugin when loaded, a skipped folder with its reason, and
    /// a plugin left unloaded under the id its assembly declares (state disabled).
    /// </summary>
    public IReadOnlyList<LoadedPlugin> Listed =>
        [.. _folders.Select(f => f.Plugin ?? (f.Choice.DeclaredId is { } id ? f.Unloaded ??= LoadedPlugin.NotLoaded(id, f.Choice.Dll!) : Load(f)))];

    /// <summary>The plugins whose entry assembly offers commands (<see cref="IPluginCommandProvider"/>, read from metadata); only those are loaded.</summary>
    public IReadOnlyList<LoadedPlugin> CommandProviders() =>
        [.. _folders.Where(f => f.Plugin is not null || f.Choice.Dll is { } dll && EntryAssembly.Offers(dll, typeof(IPluginCommandProvider)))
            .Select(Load).Where(p => p.Instance is IPluginCommandProvider)];

    /// <summary>
    /// The plugin with id <paramref name="id"/>, or null. Folders that declare the id, or declare none and are
    /// named like it (<c>Tunnel.Relay</c> for <c>tunnel.relay</c>), are loaded first; only when none of them holds it is every folder loaded (so
    /// a second copy of the id in a folder named otherwise is not seen, as it would be by <see cref="All"/>).
    /// </summary>
    public LoadedPlugin? Find(string id)
    {
        foreach (var f in _folders.Where(f => f.Choice.DeclaredId is { } declared ? declared.Equals(id, StringComparison.OrdinalIgnoreCase) : Key(Path.GetFileName(f.Path)) == Key(id))) Load(f);
        var found = Loaded.FirstOrDefault(p => p.Id.Equals(id, StringComparison.OrdinalIgnoreCase));
        return found ?? All().FirstOrDefault(p => p.Id.Equals(id, StringComparison.OrdinalIgnoreCase));
    }

    private LoadedPlugin Load(Folder f)
    {
        if (f.Plugin is not null) return f.Plugin;
        var name = Path.GetFileName(f.Path);
        f.Plugin = f.Choice.Dll is null ? LoadedPlugin.Skipped(name, f.Path, f.Choice.Problem!) : PluginDiscovery.LoadOne(name, f.Choice.Dll, f.Choice.DeclaredId);
        PluginDiscovery.MarkDuplicates([.. Loaded]);
        return f.Plugin;
    }

    private static string Key(string name) => name.Replace(".", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    private sealed record Folder(string Path, EntryAssembly.Choice Choice)
    {
        public LoadedPlugin? Plugin { get; set; }

        /// <summary>How <see cref="Listed"/> shows the folder while its plugin is not loaded (kept, so states set on it stay).</summary>
        public LoadedPlugin? Unloaded { get; set; }
    }
}
