namespace PluginMesh.Host.Hosting;

/// <summary>
/// Plugin directories asked for on the command line: <c>--plugins-dir DIR</c> (repeatable) adds
/// directories after the default one; <c>--no-default-plugins</c> leaves the default one out.
/// </summary>
/// <param name="Extra">Directories from <c>--plugins-dir</c>, as given (relative ones follow the working directory).</param>
/// <param name="SkipDefault">True for <c>--no-default-plugins</c>.</param>
internal sealed record PluginDirectoryOptions(IReadOnlyList<string> Extra, bool SkipDefault = false)
{
    /// <summary>No flags: the default directory, then <c>node.pluginDirs</c>.</summary>
    public static PluginDirectoryOptions None { get; } = new([]);
}
