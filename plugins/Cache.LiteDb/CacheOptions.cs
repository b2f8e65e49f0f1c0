namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>Configuration of <c>cache.litedb</c> (section <c>plugins:cache.litedb</c>).</summary>
/// <param name="Path">Full path of the database file.</param>
/// <param name="MaxDocumentBytes">Largest serialized value accepted, in UTF-8 bytes of JSON.</param>
public sealed record CacheOptions(string Path, int MaxDocumentBytes)
{
    /// <summary>When the journal is fsynced (<c>sync</c>); see <see cref="CacheSyncMode"/>.</summary>
    public CacheSyncMode Sync { get; init; } = DefaultSync;

    /// <summary>Period of the fsync in <see cref="CacheSyncMode.Periodic"/> (<c>syncIntervalMs</c>).</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromMilliseconds(DefaultSyncIntervalMs);

    /// <summary>How often a changed cache is copied to its backup (<c>backupIntervalSeconds</c>); zero: only at start.</summary>
    public TimeSpan BackupInterval { get; init; } = TimeSpan.FromSeconds(DefaultBackupIntervalSeconds);

    /// <summary>Default for <c>sync</c>: a power loss costs at most about one interval of writes, and no write waits for the disk.</summary>
    public const CacheSyncMode DefaultSync = CacheSyncMode.Periodic;

    /// <summary>Default for <c>syncIntervalMs</c>.</summary>
    public const int DefaultSyncIntervalMs = 1000;

    /// <summary>Default for <c>backupIntervalSeconds</c>.</summary>
    public const int DefaultBackupIntervalSeconds = 300;

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
    internal const string SyncKey = "sync";
    internal const string SyncIntervalKey = "syncIntervalMs";
    internal const string BackupIntervalKey = "backupIntervalSeconds";
    private const string HostEnabledKey = "enabled";

    private static readonly string[] Keys = [PathKey, MaxDocumentBytesKey, SyncKey, SyncIntervalKey, BackupIntervalKey];

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
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase) &&
                !string.Equals(child.Key, HostEnabledKey, StringComparison.OrdinalIgnoreCase))
            {
                error(child.Key, $"unknown key; expected one of: {string.Join(", ", Keys)}");
            }
        }

        return new CacheOptions(
            ReadPath(section[PathKey], dataDirectory, error),
            ReadMaxDocumentBytes(section[MaxDocumentBytesKey], error))
        {
            Sync = ReadSync(section[SyncKey], error),
            SyncInterval = TimeSpan.FromMilliseconds(ReadInt(section[SyncIntervalKey], SyncIntervalKey, DefaultSyncIntervalMs, 10, 60_000, "milliseconds", error)),
            BackupInterval = TimeSpan.FromSeconds(ReadBackupInterval(section[BackupIntervalKey], error)),
        };
    }

    private static CacheSyncMode ReadSync(string? raw, Action<string, string> error)
    {
        if (raw is null) return DefaultSync;
        switch (raw.Trim().ToLowerInvariant())
        {
            case "always": return CacheSyncMode.Always;
            case "periodic": return CacheSyncMode.Periodic;
            case "os": return CacheSyncMode.Os;
            default:
                error(SyncKey, $"'{raw}' is not one of: always, periodic, os");
                return DefaultSync;
        }
    }

    private static int ReadBackupInterval(string? raw, Action<string, string> error)
    {
        // 0 is allowed (backups at start only); between 0 and a minute a backup would run nearly
        // all the time on a busy cache.
        var value = ReadInt(raw, BackupIntervalKey, DefaultBackupIntervalSeconds, 0, 7 * 86_400, "seconds", error);
        if (value is > 0 and < 60) error(BackupIntervalKey, $"must be 0 (only at start) or at least 60 (got {value})");
        return value;
    }

    private static int ReadInt(string? raw, string key, int fallback, int min, int max, string unit, Action<string, string> error)
    {
        if (raw is null) return fallback;
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            error(key, $"'{raw}' is not a whole number of {unit}");
            return fallback;
        }

        if (value < min || value > max) error(key, $"must be between {min} and {max} {unit} (got {value})");
        return value;
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
