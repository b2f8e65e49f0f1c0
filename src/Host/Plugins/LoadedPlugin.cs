using McMaster.NETCore.Plugins;
using PluginMesh.Abstractions.Plugins;

namespace PluginMesh.Host.Plugins;

/// <summary>Life states of a plugin as shown by <c>pluginmesh plugins</c> and <c>/status</c>.</summary>
internal enum PluginState
{
    /// <summary>Not enabled by config: loaded (<c>pluginmesh plugins</c>, an assembly that declares no id) or not (the agent).</summary>
    Disabled,
    /// <summary>Enabled, services registered, not started yet.</summary>
    Loaded,
    /// <summary>Hosted services starting.</summary>
    Starting,
    /// <summary>Running.</summary>
    Running,
    /// <summary>Stopping.</summary>
    Stopping,
    /// <summary>Stopped.</summary>
    Stopped,
    /// <summary>Failed to load or to start; see the error.</summary>
    Failed,
    /// <summary>A folder in a plugins directory with no plugin the host could pick (no DLL, no entry type, several candidates); see the error.</summary>
    Skipped,
}

/// <summary>One folder of a plugins directory: a plugin, loaded or not, or a folder skipped with its reason.</summary>
internal sealed class LoadedPlugin(string id, string path, PluginLoader? loader, IPluginMeshPlugin? instance, string? error)
{
    /// <summary>A folder that holds no plugin the host could pick, listed with why.</summary>
    public static LoadedPlugin Skipped(string folderName, string folder, string reason) =>
        new(folderName, folder, null, null, reason) { State = PluginState.Skipped };

    /// <summary>A plugin whose assembly declares <paramref name="declaredId"/> (read from metadata), listed without loading it.</summary>
    public static LoadedPlugin NotLoaded(string declaredId, string dll) => new(declaredId, dll, null, null, null);

    /// <summary>Plugin id (from its descriptor, or the folder name when it could not be loaded).</summary>
    public string Id { get; } = id;

    /// <summary>The plugin's main assembly; for a skipped folder, the folder.</summary>
    public string Path { get; } = path;

    /// <summary>The load context (kept alive for the life of the process); null when nothing was loaded.</summary>
    public PluginLoader? Loader { get; } = loader;

    /// <summary>The entry object; null when loading failed.</summary>
    public IPluginMeshPlugin? Instance { get; } = instance;

    public PluginDescriptor? Descriptor => Instance?.Descriptor;

    /// <summary>Why loading or starting failed.</summary>
    public string? Error { get; set; } = error;

    public PluginState State { get; set; } = error is null ? PluginState.Disabled : PluginState.Failed;

    /// <summary>Whether the config (section or profile) enables it.</summary>
    public bool Enabled { get; set; }

    /// <summary>Why a plugin that is installed and could run is disabled (what the configuration says); null otherwise.</summary>
    public string? DisabledBecause { get; set; }
}
