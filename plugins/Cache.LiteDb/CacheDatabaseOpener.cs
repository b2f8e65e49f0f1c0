using System.Globalization;
using LiteDB;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;

namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>
/// Opens the cache file, moving an unusable file (and its journal) aside instead of letting
/// LiteDB overwrite it or the agent crash. The caller must hold the <see cref="CacheFileLock"/>.
/// </summary>
internal static class CacheDatabaseOpener
{
    /// <summary>LiteDB's journal path for a data file (<c>cache.db</c> → <c>cache-log.db</c>).</summary>
    public static string JournalPathFor(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? ".",
            Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));

    /// <summary>
    /// Opens <paramref name="path"/>, recovering from a corrupt file by starting empty. Returns the
    /// database, already read back completely, and where a corrupt file was moved (or null).
    /// </summary>
    public static (LiteDatabase Database, string? RecoveredFrom) Open(string path, ILogger logger, TimeProvider time)
    {
        var journal = JournalPathFor(path);
        string? recoveredFrom = null;

        try
        {
            if (File.Exists(path))
            {
                var problem = CacheFileCheck.FindProblem(path, JournalHasPages(journal));
                if (problem is not null) recoveredFrom = MoveAsideDataFile(path, journal, problem, logger, time);
            }
            else if (File.Exists(journal))
            {
                // LiteDB would replay this journal into the brand-new file, grafting pages of some
                // other database onto it.
                recoveredFrom = MoveAsideJournal(journal, "its data file is missing", logger, time);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, "open cache", $"cannot inspect {path}: {ex.Message}", ex);
        }

        try
        {
            return (OpenAndReadBack(path), recoveredFrom);
        }
        catch (Exception first) when (IsCorruption(first))
        {
            // The journal is the newer half: try without it first, so a torn or foreign journal
            // costs only the writes it held, not the whole cache.
            if (File.Exists(journal))
            {
                recoveredFrom = MoveAsideJournal(journal, first.Message, logger, time);
                try
                {
                    return (OpenAndReadBack(path), recoveredFrom);
                }
                catch (Exception second) when (IsCorruption(second))
                {
                    first = second;
                }
            }

            recoveredFrom = MoveAsideDataFile(path, journal, first.Message, logger, time);
            try
            {
                return (OpenAndReadBack(path), recoveredFrom);
            }
            catch (Exception ex)
            {
                throw new PluginMeshException(CacheLiteDbPlugin.PluginId, "open cache",
                    $"cannot create a new cache at {path}: {ex.Message}", ex);
            }
        }
        catch (Exception ex) when (ex is not PluginMeshException)
        {
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, "open cache", $"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>Connection settings every opener must use: the collation is fixed at creation.</summary>
    public static ConnectionString ConnectionFor(string path) => new()
    {
        Filename = path,
        // Safe only because CacheFileLock keeps every other process out.
        Connection = ConnectionType.Direct,
        // LiteDB's default collation ignores case, which would merge peer ids such as "QmAb" and
        // "Qmab" into one key; ordinal keeps keys exactly as given and orders them by code unit.
        Collation = new Collation(CultureInfo.InvariantCulture.LCID, CompareOptions.Ordinal),
    };

    private static LiteDatabase OpenAndReadBack(string path)
    {
        var db = new LiteDatabase(ConnectionFor(path));
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
    private static bool IsCorruption(Exception ex) => ex switch
    {
        LiteException or EndOfStreamException => true,
        UnauthorizedAccessException or IOException or OutOfMemoryException or PluginMeshException => false,
        _ => true,
    };

    private static bool JournalHasPages(string journal)
    {
        var info = new FileInfo(journal);
        return info.Exists && info.Length >= CacheFileCheck.PageSize;
    }

    private static string MoveAsideDataFile(string path, string journal, string reason, ILogger logger, TimeProvider time)
    {
        var movedTo = MoveAside(path, time);
        CacheLog.MovedAsideDataFile(logger, path, reason, movedTo);

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

    private static string MoveAside(string file, TimeProvider time)
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
