namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>
/// The cache's last good copy, <c>&lt;path&gt;.backup</c>: a whole LiteDB file that was checkpointed,
/// copied, fsynced, opened and read back before it replaced the previous copy by an atomic rename.
/// A corrupt cache file then costs the writes made since the last backup, not the whole cache.
/// </summary>
internal sealed class CacheBackup(string dataPath, IFileSync files, TimeProvider time)
{
    /// <summary>The backup's path for a data file (<c>cache.db</c> → <c>cache.db.backup</c>).</summary>
    public static string PathFor(string dataPath) => dataPath + ".backup";

    /// <summary>Where backups go.</summary>
    public string Path { get; } = PathFor(dataPath);

    /// <summary>
    /// Takes a backup of <paramref name="db"/>. The caller holds the cache's write gate, so no write
    /// runs meanwhile, and calls this synchronously (LiteDB's checkpoint lock is thread-bound).
    /// </summary>
    /// <param name="db">The open cache.</param>
    /// <param name="expected">What the cache holds now; the copy must hold exactly that.</param>
    /// <exception cref="IOException">Copying or syncing failed.</exception>
    /// <exception cref="InvalidDataException">The copy did not read back as the cache; the previous backup stays.</exception>
    public BackupInfo Take(LiteDatabase db, CacheFacts expected)
    {
        // Folds the journal into the data file and fsyncs it: the data file alone is then the whole
        // database, and a plain copy of it is a consistent one.
        db.Checkpoint();
        var tmp = Path + ".tmp";
        try
        {
            // Only the pages the header counts: LiteDB never reads past them, and a file grown by
            // stray writes far beyond them (sparse, possibly terabytes) must not be copied whole.
            var length = ((long)CacheFileCheck.ReadLastPageId(dataPath) + 1) * CacheFileCheck.PageSize;
            using (var source = new FileStream(dataPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var target = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                if (source.Length < length)
                {
                    throw new InvalidDataException($"{dataPath} is {source.Length} bytes, shorter than the {length} its header counts");
                }

                var buffer = new byte[1 << 16];
                for (var left = length; left > 0;)
                {
                    var n = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    if (n == 0) throw new EndOfStreamException($"{dataPath} ended while being copied");
                    target.Write(buffer, 0, n);
                    left -= n;
                }
            }

            files.File(tmp);
            var copy = Verify(tmp);
            if (copy.Sequence != expected.Sequence || !SameCounts(copy.Counts, expected.Counts))
            {
                throw new InvalidDataException(
                    $"the copy holds change sequence {copy.Sequence} and {copy.Documents} documents, the cache {expected.Sequence} and {expected.Documents}");
            }

            File.Move(tmp, Path, overwrite: true);
            files.Directory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path)) ?? ".");
            return new BackupInfo(Path, time.GetUtcNow(), copy.Sequence, copy.Documents);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>
    /// Puts a copy of <paramref name="backup"/> at <paramref name="dataPath"/> (tmp, fsync, rename)
    /// and opens it, read back completely. The backup itself is never opened for writing: a failed
    /// LiteDB open may mark the file it opened. Returns the database, or null and why not (the
    /// copy is then deleted again).
    /// </summary>
    public static (LiteDatabase? Database, BackupInfo? Info, string? Problem) TryRestore(string backup, string dataPath, IFileSync files)
    {
        var header = CacheFileCheck.FindProblem(backup, journalHasPages: false);
        if (header is not null) return (null, null, header);

        var takenAt = new DateTimeOffset(File.GetLastWriteTimeUtc(backup), TimeSpan.Zero);
        var tmp = dataPath + ".restore.tmp";
        try
        {
            File.Copy(backup, tmp, overwrite: true);
            files.File(tmp);
            File.Move(tmp, dataPath, overwrite: true);
            files.Directory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(dataPath)) ?? ".");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            return (null, null, $"cannot copy it to {dataPath}: {ex.Message}");
        }

        LiteDatabase? db = null;
        try
        {
            db = CacheDatabaseOpener.OpenVerified(dataPath);
            var facts = CacheFacts.Read(db);
            return (db, new BackupInfo(backup, takenAt, facts.Sequence, facts.Documents), null);
        }
        catch (Exception ex) when (CacheDatabaseOpener.IsCorruption(ex))
        {
            db?.Dispose();
            TryDelete(dataPath);
            TryDelete(CacheDatabaseOpener.JournalPathFor(dataPath));
            return (null, null, ex.Message);
        }
    }

    /// <summary>Opens a copy read-only and reads every document back.</summary>
    private static CacheFacts Verify(string copy)
    {
        var header = CacheFileCheck.FindProblem(copy, journalHasPages: false);
        if (header is not null) throw new InvalidDataException($"{copy}: {header}");
        try
        {
            using var db = CacheDatabaseOpener.OpenAndReadBack(copy, readOnly: true);
            return CacheFacts.Read(db);
        }
        catch (LiteException ex)
        {
            throw new InvalidDataException($"{copy} does not read back: {ex.Message}", ex);
        }
    }

    private static bool SameCounts(IReadOnlyDictionary<string, long> a, IReadOnlyDictionary<string, long> b) =>
        a.Where(kv => kv.Value > 0).OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase)
            .SequenceEqual(b.Where(kv => kv.Value > 0).OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase));

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next attempt, which overwrites it.
        }
    }
}
