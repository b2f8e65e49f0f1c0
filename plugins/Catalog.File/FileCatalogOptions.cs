namespace PluginMesh.Plugins.Catalog.File;

/// <summary>Configuration of <c>catalog.file</c> (section <c>plugins:catalog.file</c>).</summary>
/// <param name="Path">Full path of the catalog YAML file.</param>
/// <param name="PollInterval">How often the content hash is checked in case a file-system event was missed.</param>
public sealed record FileCatalogOptions(string Path, TimeSpan PollInterval)
{
    /// <summary>Default for <c>pollIntervalSeconds</c>.</summary>
    public const int DefaultPollIntervalSeconds = 5;

    internal const string PathKey = "path";
    internal const string PollIntervalKey = "pollIntervalSeconds";
    private const string EnabledKey = "enabled";

    /// <summary>Reads the section, reporting every problem through <paramref name="error"/> (key, message).</summary>
    /// <returns>The options; meaningful only when no problem was reported.</returns>
    public static FileCatalogOptions Read(IConfiguration section, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(error);

        foreach (var child in section.GetChildren())
        {
            // `enabled` belongs to the host; anything else unknown is most likely a typo.
            if (!IsKey(child.Key, PathKey) && !IsKey(child.Key, PollIntervalKey) && !IsKey(child.Key, EnabledKey))
                error(child.Key, $"unknown key; expected one of: {PathKey}, {PollIntervalKey}");
        }

        var path = section[PathKey];
        if (string.IsNullOrWhiteSpace(path))
        {
            error(PathKey, "required: the catalog YAML file, e.g. /etc/pluginmesh/catalog.yaml");
            path = "";
        }
        else if (path.Contains('\0', StringComparison.Ordinal))
        {
            error(PathKey, "contains a NUL character");
        }
        else
        {
            // Relative paths follow the working directory, like every other path given on the command line.
            path = System.IO.Path.GetFullPath(path);
            if (Directory.Exists(path)) error(PathKey, $"'{path}' is a directory; give the catalog file inside it");
        }

        var poll = DefaultPollIntervalSeconds;
        var rawPoll = section[PollIntervalKey];
        if (rawPoll is not null &&
            (!int.TryParse(rawPoll, NumberStyles.Integer, CultureInfo.InvariantCulture, out poll) || poll < 1 || poll > 3600))
        {
            error(PollIntervalKey, $"'{rawPoll}' is not a whole number of seconds from 1 to 3600");
        }

        return new FileCatalogOptions(path, TimeSpan.FromSeconds(poll));
    }

    private static bool IsKey(string key, string expected) => string.Equals(key, expected, StringComparison.OrdinalIgnoreCase);
}
