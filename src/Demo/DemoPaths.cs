namespace PluginMesh.Demo;

/// <summary>Where the demo's agents load plugins and policies from.</summary>
/// <param name="PluginDirectories">Directories of plugin folders (absolute).</param>
/// <param name="PoliciesDirectory">Directory of the policy scripts.</param>
public sealed record DemoPaths(IReadOnlyList<string> PluginDirectories, string PoliciesDirectory);
