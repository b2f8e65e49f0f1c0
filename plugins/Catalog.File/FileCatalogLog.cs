namespace PluginMesh.Plugins.Catalog.File;

/// <summary>Source-generated log messages of <c>catalog.file</c>.</summary>
internal static partial class FileCatalogLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "[catalog.file] loaded {Path}: {Services} services, {Endpoints} endpoints, {Nodes} nodes, {Resources} resources")]
    public static partial void Loaded(ILogger logger, string path, int services, int endpoints, int nodes, int resources);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "[catalog.file] {Problem} (the last good catalog stays in effect)")]
    public static partial void Problem(ILogger logger, string problem);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "[catalog.file] served {Objects} objects from the cache because {Path} is not usable")]
    public static partial void ServedFromCache(ILogger logger, int objects, string path);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning,
        Message = "[catalog.file] file watcher for {Directory} failed; relying on the {Seconds} s content poll")]
    public static partial void WatcherFailed(ILogger logger, string directory, double seconds, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error,
        Message = "[catalog.file] applying {Path} failed; will retry on the next change or poll")]
    public static partial void ApplyFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning,
        Message = "[catalog.file] reading the cache failed; continuing without it")]
    public static partial void CacheFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning,
        Message = "[catalog.file] {Reason} (the rest of the file is loaded)")]
    public static partial void ResourceSkipped(ILogger logger, string reason);
}
