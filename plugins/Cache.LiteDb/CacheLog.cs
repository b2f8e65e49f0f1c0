namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>Source-generated log messages of <c>cache.litedb</c>.</summary>
internal static partial class CacheLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "[cache.litedb] opened cache {Path}: {Collections} collections, change sequence {Sequence}, sync {Sync}")]
    public static partial void Opened(ILogger logger, string path, int collections, long sequence, string sync);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "[cache.litedb] cache file {Path} is unusable ({Reason}); moved it to {MovedTo} and started an empty cache: {NoBackup}")]
    public static partial void StartedEmpty(ILogger logger, string path, string reason, string movedTo, string noBackup);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "[cache.litedb] cache journal {Path} could not be applied ({Reason}); moved it to {MovedTo}, writes not yet checkpointed from it are lost")]
    public static partial void MovedAsideLogFile(ILogger logger, string path, string reason, string movedTo);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "[cache.litedb] closed cache {Path}")]
    public static partial void Closed(ILogger logger, string path);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
        Message = "[cache.litedb] cache file {Path} is unusable ({Reason}); moved it to {MovedTo} and started from the backup {Backup} taken {TakenAt:o} ({Documents} documents, change sequence {Sequence}); writes after that backup are lost")]
    public static partial void RestoredFromBackup(ILogger logger, string path, string reason, string movedTo, string backup, DateTimeOffset takenAt, long documents, long sequence);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error,
        Message = "[cache.litedb] fsync of {Path} failed: {Reason}; recent writes may not survive a power loss")]
    public static partial void SyncFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug,
        Message = "[cache.litedb] backup {Backup} taken: {Documents} documents, change sequence {Sequence}, {Milliseconds:0} ms")]
    public static partial void BackupTaken(ILogger logger, string backup, long documents, long sequence, double milliseconds);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning,
        Message = "[cache.litedb] backup to {Backup} failed ({Reason}); the previous backup stays")]
    public static partial void BackupFailed(ILogger logger, string backup, string reason);
}
