namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>
/// Opens the cache file. An unusable file (and its journal) is moved aside, never overwritten and
/// never fatal; the cache then starts from the newest good backup (<see cref="CacheBackup"/>), or
/// empty when there is none. The caller must hold the <see cref="CacheFileLock"/>.
/// </summary>
internal static class CacheDatabaseOpener
{
    /// <summary>LiteDB's journal path for a data file (<c>cache.db</c> → <c>cache-log.db</c>).</summary>
    public static string JournalPathFor(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? ".",
            Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));

    /// <summary>
    /// Opens <paramref name="path"/>, read back completely. When it had to repair something, the
    /// result says what (and a warning has been logged).
    /// </summary>
    public static (LiteDatabase Database, CacheRecovery? Recovery) Open(string path, ILogger logger, TimeProvider time, IFileSync files)
    {
        var journal = JournalPathFor(path);
        var backup = CacheBackup.PathFor(path);
        string? problem = null;
        string? movedTo = null;
        CacheRecovery? journalDropped = null;

        try
        {
            if (File.Exists(path))
            {
                var found = CacheFileCheck.FindProblem(path, JournalHasPages(journal));
                if (found is not null)
                {
                    problem = found;
                    movedTo = MoveAsideDataFile(path, journal, logger, time);
                }
                else if (JournalHasPages(journal) &&
                         CacheFileCheck.FindJournalProblem(journal, CacheFileCheck.ReadLastPageId(path)) is { } bad)
                {
                    // Replayed, it would write its pages over the data file: drop the journal only.
                    journalDropped = new CacheRecovery(CacheRecovery.JournalDropped, $"{journal}: {bad}",
                        MoveAsideJournal(journal, bad, logger, time), null, null, time.GetUtcNow());
                }
            }
            else if (File.Exists(journal))
            {
                // LiteDB would replay this journal into the brand-new file, grafting pages of some
                // other database onto it.
                problem = "the file is missing but its journal is not";
                movedTo = MoveAsideJournal(journal, "its data file is missing", logger, time);
            }
            else if (File.Exists(backup))
            {
                // Lost by a file system repair, or deleted by hand without its backup.
                problem = "the file is missing";
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, "open cache", $"cannot inspect {path}: {ex.Message}", ex);
        }

        if (problem is not null) return RestoreOrStartEmpty(path, problem, movedTo, logger, time, files);

        try
        {
            return (OpenVerified(path), journalDropped);
        }
        catch (Exception first) when (IsCorruption(first))
        {
            // The journal is the newer half: try without it first, so a torn or foreign journal
            // costs only the writes it held, not the whole cache.
            if (File.Exists(journal))
            {
                var journalMovedTo = MoveAsideJournal(journal, first.Message, logger, time);
                try
                {
                    return (OpenVerified(path),
                        new CacheRecovery(CacheRecovery.JournalDropped, $"{journal}: {first.Message}", journalMovedTo, null, null, time.GetUtcNow()));
                }
                catch (Exception second) when (IsCorruption(second))
                {
                    first = second;
                }
            }

            movedTo = MoveAsideDataFile(path, journal, logger, time);
            return RestoreOrStartEmpty(path, first.Message, movedTo, logger, time, files);
        }
        catch (Exception ex) when (ex is not PluginMeshException)
        {
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, "open cache", $"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>Connection settings every opener must use: the collation is fixed at creation.</summary>
    public static ConnectionString ConnectionFor(string path, bool readOnly = false) => new()
    {
        Filename = path,
        // Safe only because CacheFileLock keeps every other process out (read-only opens touch
        // only a backup copy nobody else has).
        Connection = ConnectionType.Direct,
        ReadOnly = readOnly,
        // LiteDB's default collation ignores case, which would merge peer ids such as "QmAb" and
        // "Qmab" into one key; ordinal keeps keys exactly as given and orders them by code unit.
        Collation = new Collation(CultureInfo.InvariantCulture.LCID, CompareOptions.Ordinal),
    };

    /// <summary>
    /// Opens <paramref name="path"/> for use after reading every document back through a read-only
    /// open, so a corrupt page surfaces now, where the file can be moved aside, and not later in some
    /// caller's read. Read-only first because LiteDB marks a file it failed to read (a byte in its
    /// header) and may checkpoint its journal into it on close: a file that fails is then kept aside
    /// exactly as it was found. A missing file is created.
    /// </summary>
    public static LiteDatabase OpenVerified(string path)
    {
        if (File.Exists(path)) OpenAndReadBack(path, readOnly: true).Dispose();
        return new LiteDatabase(ConnectionFor(path));
    }

    /// <summary>Opens a file and reads every document, so a corrupt page surfaces now.</summary>
    public static LiteDatabase OpenAndReadBack(string path, bool readOnly = false)
    {
        var db = new LiteDatabase(ConnectionFor(path, readOnly));
        try
        {
            // Reading every document touches every data page, so a corrupt page surfaces now,
            // where it can be moved aside, not later inside some caller's read.
            foreach (var name in db.GetCollectionNames())
            {
                foreach (var document in db.GetCollection(name).FindAll())
                {
                    _ = document["_id"];
                }
            }

            return db;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    // Permission and I/O errors say nothing about the file's content: moving it aside would throw
    // away a good cache because of, say, a wrong owner.
    public static bool IsCorruption(Exception ex) => ex switch
    {
        LiteException or EndOfStreamException or InvalidDataException => true,
        UnauthorizedAccessException or IOException or OutOfMemoryException or PluginMeshException => false,
        _ => true,
    };

    private static (LiteDatabase, CacheRecovery) RestoreOrStartEmpty(string path, string problem, string? movedTo, ILogger logger, TimeProvider time, IFileSync files)
    {
        var backup = CacheBackup.PathFor(path);
        string backupProblem;
        if (File.Exists(backup))
        {
            var (restored, info, why) = CacheBackup.TryRestore(backup, path, files);
            if (restored is not null)
            {
                CacheLog.RestoredFromBackup(logger, path, problem, movedTo ?? "nowhere", backup, info!.TakenAt, info.Documents, info.ChangeSequence);
                return (restored, new CacheRecovery(CacheRecovery.RestoredFromBackup, $"{path}: {problem}", movedTo, info, null, time.GetUtcNow()));
            }

            var backupMovedTo = MoveAside(backup, time);
            backupProblem = $"the backup {backup} is unusable too ({why}); moved it to {backupMovedTo}";
        }
        else
        {
            backupProblem = $"no backup at {backup}";
        }

        LiteDatabase db;
        try
        {
            db = OpenVerified(path);
        }
        catch (Exception ex)
        {
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, "open cache", $"cannot create a new cache at {path}: {ex.Message}", ex);
        }

        CacheLog.StartedEmpty(logger, path, problem, movedTo ?? "nowhere", backupProblem);
        return (db, new CacheRecovery(CacheRecovery.StartedEmpty, $"{path}: {problem}", movedTo, null, backupProblem, time.GetUtcNow()));
    }

    private static bool JournalHasPages(string journal)
    {
        var info = new FileInfo(journal);
        return info.Exists && info.Length >= CacheFileCheck.PageSize;
    }

    private static string MoveAsideDataFile(string path, string journal, ILogger logger, TimeProvider time)
    {
        var movedTo = MoveAside(path, time);

        // A journal belongs to its data file; replayed onto the fresh file it would resurrect
        // pages of the corrupt one.
        if (File.Exists(journal)) MoveAsideJournal(journal, "its data file was moved aside", logger, time);
        return movedTo;
    }

    private static string MoveAsideJournal(string journal, string reason, ILogger logger, TimeProvider time)
    {
        var movedTo = MoveAside(journal, time);
        CacheLog.MovedAsideLogFile(logger, journal, reason, movedTo);
        return movedTo;
    }

    /// <summary>Renames <paramref name="file"/> to <c>&lt;file&gt;.corrupt-&lt;UTC stamp&gt;</c> (never over another copy).</summary>
    public static string MoveAside(string file, TimeProvider time)
    {
        var stamp = time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var target = $"{file}.corrupt-{stamp}";
        for (var n = 1; File.Exists(target); n++) target = $"{file}.corrupt-{stamp}-{n}";

        try
        {
            File.Move(file, target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, "open cache",
                $"{file} is corrupt and could not be moved to {target}: {ex.Message}", ex);
        }

        return target;
    }
}
