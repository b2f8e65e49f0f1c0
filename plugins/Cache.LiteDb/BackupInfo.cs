namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>One backup file: a whole LiteDB file, checkpointed, copied, fsynced and verified.</summary>
/// <param name="Path">The backup file.</param>
/// <param name="TakenAt">When it was taken (the file's modification time when it was found at open).</param>
/// <param name="ChangeSequence">The change sequence it holds.</param>
/// <param name="Documents">Documents it holds, over all collections.</param>
public sealed record BackupInfo(string Path, DateTimeOffset TakenAt, long ChangeSequence, long Documents);
