namespace PluginMesh.Abstractions.Plugins;

/// <summary>
/// A bug or a misconfiguration in a named plugin while doing a named action. Expected network
/// outcomes (refused, timeout, relay full) are values passed to policies, not exceptions.
/// </summary>
/// <param name="pluginId">The plugin that failed (or <c>host</c>).</param>
/// <param name="action">What it was doing.</param>
/// <param name="detail">The reason; the message reads <c>[plugin] action: detail</c>.</param>
/// <param name="inner">The cause, if any.</param>
public class PluginMeshException(string pluginId, string action, string detail, Exception? inner = null)
    : Exception($"[{pluginId}] {action}: {detail}", inner)
{
    /// <summary>The plugin that failed (or <c>host</c>).</summary>
    public string PluginId { get; } = pluginId;

    /// <summary>What it was doing, e.g. <c>load</c>, <c>start</c>, <c>open cache</c>.</summary>
    public string Action { get; } = action;

    /// <summary>The reason without the prefix.</summary>
    public string Detail { get; } = detail;
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
