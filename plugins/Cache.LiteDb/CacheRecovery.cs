namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>What opening the cache had to repair (shown in status as <c>recovery</c>).</summary>
/// <param name="Outcome">
/// <c>journal-dropped</c> (the data file opened once its journal was moved aside: writes since the
/// last checkpoint are lost), <c>restored-from-backup</c> (the data file was unusable or missing; the
/// last good copy was opened) or <c>started-empty</c> (the data file was unusable and no usable backup
/// existed).
/// </param>
/// <param name="Problem">What was wrong with the cache file, naming it.</param>
/// <param name="MovedTo">Where the unusable file (or journal) was kept for inspection, or null (the file was missing).</param>
/// <param name="Backup">The backup opened instead, or null.</param>
/// <param name="BackupProblem">Why an existing backup could not be used, or null.</param>
/// <param name="At">When it happened.</param>
public sealed record CacheRecovery(string Outcome, string Problem, string? MovedTo, BackupInfo? Backup, string? BackupProblem, DateTimeOffset At)
{
    /// <summary>The journal was moved aside; the data file opened.</summary>
    public const string JournalDropped = "journal-dropped";

    /// <summary>The data file was replaced by the last good backup.</summary>
    public const string RestoredFromBackup = "restored-from-backup";

    /// <summary>Nothing usable was left: a new, empty cache.</summary>
    public const string StartedEmpty = "started-empty";
}
