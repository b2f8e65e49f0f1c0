namespace PluginMesh.Plugins.Catalog.Kubernetes.Watching;

/// <summary>How one watch request ended.</summary>
public enum WatchOutcome
{
    /// <summary>The server closed the stream normally (its timeout): reopen from the last resourceVersion.</summary>
    Ended,
    /// <summary>The stream broke mid-way (reset, truncated chunk, idle too long): reopen from the last resourceVersion.</summary>
    Broken,
    /// <summary>410 Gone (HTTP status or ERROR event): the resourceVersion is too old, a re-list is needed.</summary>
    Expired,
    /// <summary>The server answered with another error status or ERROR event.</summary>
    Failed,
    /// <summary>The server could not be reached at all.</summary>
    Unreachable,
}
