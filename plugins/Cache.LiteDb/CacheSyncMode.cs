namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>When the cache forces its journal to stable storage (config <c>sync</c>).</summary>
/// <remarks>
/// LiteDB 5.0.21 writes committed pages to its journal (<c>&lt;name&gt;-log.db</c>) with plain writes and
/// never fsyncs it; it fsyncs only the data file, at each checkpoint (when the journal passes 1 000
/// pages, and at close). A committed write therefore survives a process kill (it is in the page
/// cache) but not a power loss until something flushes it. These modes decide who does, and when.
/// </remarks>
public enum CacheSyncMode
{
    /// <summary>A write's task completes after an fsync of the journal that covers it (writers waiting at the same time share one fsync).</summary>
    Always,

    /// <summary>Writes complete at commit; the journal is fsynced every <c>syncIntervalMs</c> when something was written.</summary>
    Periodic,

    /// <summary>The plugin never fsyncs; the kernel writes dirty pages back on its own schedule (LiteDB's behaviour alone).</summary>
    Os,
}
