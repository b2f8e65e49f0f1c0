using Microsoft.Extensions.Logging;

namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>Source-generated log messages of <c>cache.litedb</c>.</summary>
internal static partial class CacheLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "[cache.litedb] opened cache {Path}: {Collections} collections, change sequence {Sequence}")]
    public static partial void Opened(ILogger logger, string path, int collections, long sequence);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "[cache.litedb] cache file {Path} is unusable ({Reason}); moved it to {MovedTo} and started an empty cache")]
    public static partial void MovedAsideDataFile(ILogger logger, string path, string reason, string movedTo);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "[cache.litedb] cache journal {Path} could not be applied ({Reason}); moved it to {MovedTo}, writes not yet checkpointed from it are lost")]
    public static partial void MovedAsideLogFile(ILogger logger, string path, string reason, string movedTo);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "[cache.litedb] closed cache {Path}")]
    public static partial void Closed(ILogger logger, string path);
}
