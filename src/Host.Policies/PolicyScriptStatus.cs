namespace PluginMesh.Host.Policies;

/// <summary>What one policy script is doing, for <c>pluginmesh status</c> and the admin endpoint.</summary>
/// <param name="Name">Policy name, e.g. <c>failover</c>.</param>
/// <param name="File">Path of the script file watched.</param>
/// <param name="Function">JavaScript function called, e.g. <c>onFailure</c>.</param>
/// <param name="ActiveVersion">First 12 hex digits of the SHA-256 of the active source; null when the default answers.</param>
/// <param name="LoadedAt">When the active version was loaded; null when the default answers.</param>
/// <param name="LastError">Last load or call problem, naming file and line when known; null when none since the last good load.</param>
/// <param name="Calls">Calls answered (by the script or the default).</param>
/// <param name="Errors">Script problems: rejected loads plus failed calls.</param>
/// <param name="Fallbacks">Calls the default answered because the script failed.</param>
/// <param name="Reloads">Versions activated (the first load included) or removed.</param>
/// <param name="Using"><c>script</c> or <c>default</c>.</param>
public sealed record PolicyScriptStatus(
    string Name,
    string File,
    string Function,
    string? ActiveVersion,
    DateTimeOffset? LoadedAt,
    string? LastError,
    long Calls,
    long Errors,
    long Fallbacks,
    long Reloads,
    string Using);
