namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>Section <c>cache</c> of <c>/status</c>: the facts of <see cref="PluginMesh.Abstractions.Cache.CacheInfo"/> plus durability.</summary>
/// <param name="Path">Database file.</param>
/// <param name="SizeBytes">Bytes of the data file plus its journal.</param>
/// <param name="ChangeSequence">Current change sequence.</param>
/// <param name="Documents">Documents per collection.</param>
/// <param name="RecoveredFrom">Where an unusable file found at open was moved, or null.</param>
/// <param name="Recovery">What opening the cache repaired, or null.</param>
/// <param name="Sync">The fsync policy at work.</param>
/// <param name="Backup">The last-good copy.</param>
public sealed record CacheStatus(
    string Path,
    long SizeBytes,
    long ChangeSequence,
    IReadOnlyDictionary<string, long> Documents,
    string? RecoveredFrom,
    CacheRecovery? Recovery,
    CacheSyncStatus Sync,
    CacheBackupStatus Backup);
