using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>Configuration of <c>cache.litedb</c> (section <c>plugins:cache.litedb</c>).</summary>
/// <param name="Path">Full path of the database file.</param>
/// <param name="MaxDocumentBytes">Largest serialized value accepted, in UTF-8 bytes of JSON.</param>
public sealed record CacheOptions(string Path, int MaxDocumentBytes)
{
    /// <summary>File name used under the node's data directory when <c>path</c> is absent.</summary>
    public const string DefaultFileName = "cache.db";

    /// <summary>Default for <c>maxDocumentBytes</c>: 1 MiB.</summary>
    public const int DefaultMaxDocumentBytes = 1 << 20;

    /// <summary>
    /// Upper bound for <c>maxDocumentBytes</c>. LiteDB stores at most ~16 MB per document; half of
    /// that keeps room for the BSON envelope and stops one runaway value from bloating the file.
    /// </summary>
    public const int MaxAllowedDocumentBytes = 8 << 20;

    internal const string PathKey = "path";
    internal const string MaxDocumentBytesKey = "maxDocumentBytes";
    private const string HostEnabledKey = "enabled";

    /// <summary>
    /// Reads the section, reporting every problem through <paramref name="error"/> (key, message).
    /// </summary>
    /// <param name="section">The plugin's configuration section.</param>
    /// <param name="dataDirectory">
    /// The node's data directory, used for the default path and to anchor relative paths; null
    /// during validation, when node settings are not known yet (relative paths are then only
    /// checked for shape).
    /// </param>
    /// <param name="error">Receives (relative key, message) for each problem.</param>
    /// <returns>The options; meaningful only when no problem was reported.</returns>
    public static CacheOptions Read(IConfiguration section, string? dataDirectory, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(error);

        foreach (var child in section.GetChildren())
        {
            // A misspelt key silently falling back to a default is worse than a refusal to start.
            // `enabled` sits in every plugin section but belongs to the host, which checks it.
            if (!string.Equals(child.Key, PathKey, StringComparison.OrdinalIgnoreCase) &&
                !string.Equals(child.Key, MaxDocumentBytesKey, StringComparison.OrdinalIgnoreCase) &&
                !string.Equals(child.Key, HostEnabledKey, StringComparison.OrdinalIgnoreCase))
            {
                error(child.Key, $"unknown key; expected one of: {PathKey}, {MaxDocumentBytesKey}");
            }
        }

        return new CacheOptions(
            ReadPath(section[PathKey], dataDirectory, error),
            ReadMaxDocumentBytes(section[MaxDocumentBytesKey], error));
    }

    private static string ReadPath(string? raw, string? dataDirectory, Action<string, string> error)
    {
        if (raw is null)
        {
            return dataDirectory is null
                ? DefaultFileName
                : System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDirectory, DefaultFileName));
        }

        if (string.IsNullOrWhiteSpace(raw))
        {
            error(PathKey, $"must not be empty; omit it to use <dataDirectory>/{DefaultFileName}");
            return raw;
        }

        if (raw.Contains('\0', StringComparison.Ordinal))
        {
            error(PathKey, "contains a NUL character");
            return raw;
        }

        if (raw.EndsWith('/') || raw.EndsWith(System.IO.Path.DirectorySeparatorChar))
        {
            error(PathKey, $"'{raw}' names a directory; give a file path such as /var/lib/pluginmesh/{DefaultFileName}");
            return raw;
        }

        string full;
        if (System.IO.Path.IsPathRooted(raw)) full = System.IO.Path.GetFullPath(raw);
        else if (dataDirectory is not null) full = System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDirectory, raw));
        else return raw;

        if (Directory.Exists(full))
        {
            error(PathKey, $"'{full}' is a directory; give a file path such as {System.IO.Path.Combine(full, DefaultFileName)}");
            return full;
        }

        // The directory is created at start; here we only catch what can never work: an ancestor
        // that exists as a file. Validation must stay free of side effects, so nothing is created.
        for (var dir = System.IO.Path.GetDirectoryName(full); !string.IsNullOrEmpty(dir); dir = System.IO.Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir)) break;
            if (File.Exists(dir))
            {
                error(PathKey, $"directory for '{full}' cannot be created: '{dir}' is a file");
                break;
            }
        }

        return full;
    }

    private static int ReadMaxDocumentBytes(string? raw, Action<string, string> error)
    {
        if (raw is null) return DefaultMaxDocumentBytes;

        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            error(MaxDocumentBytesKey, $"'{raw}' is not a whole number of bytes");
            return DefaultMaxDocumentBytes;
        }

        if (value <= 0)
        {
            error(MaxDocumentBytesKey, $"must be positive (got {value})");
        }
        else if (value > MaxAllowedDocumentBytes)
        {
            error(MaxDocumentBytesKey, $"must be at most {MaxAllowedDocumentBytes} (got {value}); LiteDB stores at most ~16 MB per document");
        }

        return value;
    }
}
