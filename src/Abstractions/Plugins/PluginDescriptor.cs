namespace PluginMesh.Abstractions.Plugins;

/// <summary>What a plugin is and what it offers.</summary>
/// <param name="Id">
/// Dotted id whose first label is the capability family and last the implementation, e.g.
/// <c>cache.litedb</c>. It is also the plugin's configuration section name under <c>plugins:</c>.
/// </param>
/// <param name="Version">The plugin's own version.</param>
/// <param name="ApiVersion">The <see cref="AbstractionsApi.Version"/> the plugin was built against.</param>
/// <param name="Provides">Capabilities the plugin provides (see <see cref="Capabilities"/>).</param>
/// <param name="Requires">
/// Capabilities the plugin needs started before it. A required capability nobody provides is an
/// error when the plugin is enabled; an optional one is listed in <paramref name="Uses"/>.
/// </param>
/// <param name="Uses">Capabilities used when present: ordering only, never an error.</param>
/// <param name="Description">One line for <c>pluginmesh plugins</c>.</param>
public sealed record PluginDescriptor(
    string Id,
    Version Version,
    int ApiVersion,
    IReadOnlyList<string> Provides,
    IReadOnlyList<string> Requires,
    IReadOnlyList<string> Uses,
    string Description);
