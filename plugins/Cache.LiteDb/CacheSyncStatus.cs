namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>The fsync policy and what the last fsync did (status <c>sync</c>).</summary>
/// <param name="Mode"><c>always</c>, <c>periodic</c> or <c>os</c>.</param>
/// <param name="IntervalMs">Period of the fsync in <c>periodic</c>, else null.</param>
/// <param name="DurableSequence">Highest change sequence known to be on stable storage this run (-1: none yet).</param>
/// <param name="LastSync">When the plugin last fsynced the journal.</param>
/// <param name="LastSyncMs">How long that fsync took.</param>
/// <param name="Failures">fsyncs that failed since start.</param>
/// <param name="LastError">The last fsync error, or null.</param>
public sealed record CacheSyncStatus(string Mode, int? IntervalMs, long DurableSequence, DateTimeOffset? LastSync, double? LastSyncMs, long Failures, string? LastError);
