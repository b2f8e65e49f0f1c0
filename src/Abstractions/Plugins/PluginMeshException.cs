namespace PluginMesh.Abstractions.Plugins;

/// <summary>
/// A bug or a misconfiguration in a named plugin while doing a named action. Expected network
/// outcomes (refused, timeout, relay full) are values passed to policies, not exceptions.
/// </summary>
public class PluginMeshException : Exception
{
    /// <summary>Creates the exception; the message reads <c>[plugin] action: detail</c>.</summary>
    public PluginMeshException(string pluginId, string action, string detail, Exception? inner = null)
        : base($"[{pluginId}] {action}: {detail}", inner)
    {
        PluginId = pluginId;
        Action = action;
        Detail = detail;
    }

    /// <summary>The plugin that failed (or <c>host</c>).</summary>
    public string PluginId { get; }

    /// <summary>What it was doing, e.g. <c>load</c>, <c>start</c>, <c>open cache</c>.</summary>
    public string Action { get; }

    /// <summary>The reason without the prefix.</summary>
    public string Detail { get; }
}

/// <summary>A plugin could not be loaded (bad API version, missing dependency, duplicate id, threw while loading).</summary>
public sealed class PluginLoadException(string pluginId, string detail, Exception? inner = null)
    : PluginMeshException(pluginId, "load", detail, inner);

/// <summary>Configuration is invalid; <see cref="Problems"/> lists every problem with its path.</summary>
public sealed class ConfigValidationException(IReadOnlyList<ConfigProblem> problems)
    : PluginMeshException("host", "validate config", string.Join("; ", problems))
{
    /// <summary>Every problem found.</summary>
    public IReadOnlyList<ConfigProblem> Problems { get; } = problems;
}
