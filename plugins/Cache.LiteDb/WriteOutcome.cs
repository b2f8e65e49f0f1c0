namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>What one write transaction did, reported by its body to <see cref="LiteDbStateCache"/>.</summary>
/// <param name="Result">Value handed back to the caller.</param>
/// <param name="Changed">False rolls the transaction back and leaves the change sequence alone.</param>
/// <param name="CountDelta">Change in the collection's document count.</param>
internal readonly record struct WriteOutcome<TResult>(TResult Result, bool Changed, long CountDelta);
