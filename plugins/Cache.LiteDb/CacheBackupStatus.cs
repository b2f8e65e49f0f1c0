namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>The backup side of status.</summary>
/// <param name="Path">Where backups are written.</param>
/// <param name="IntervalSeconds">Refresh period while the cache changes (0: only at start).</param>
/// <param name="Last">The newest good backup known this run, or null.</param>
/// <param name="LastError">Why the last attempt failed, or null.</param>
public sealed record CacheBackupStatus(string Path, int IntervalSeconds, BackupInfo? Last, string? LastError);
