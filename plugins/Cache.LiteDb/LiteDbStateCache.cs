namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>
/// <see cref="IStateCache"/> on one LiteDB file. Opens on <see cref="Open"/> or on first use,
/// whichever comes first, so consumers resolved before the host starts the plugin still work.
/// </summary>
/// <remarks>
/// Writes are serialized by one gate and run synchronously from BeginTrans to Commit, because a
/// LiteDB transaction belongs to the thread that began it; an await inside would let the commit
/// run on another thread. Reads go straight to LiteDB, which gives them a consistent snapshot
/// alongside a running write.
/// </remarks>
internal sealed class LiteDbStateCache : IStateCache, IDisposable
{
    /// <summary>Internal collection holding the change sequence; user names cannot start with '_'.</summary>
    internal const string MetaCollection = "_meta";

    /// <summary>Id of the change-sequence document in <see cref="MetaCollection"/>.</summary>
    internal const string SequenceId = "changeSequence";

    private readonly CacheOptions _options;
    private readonly ILogger<LiteDbStateCache> _logger;
    private readonly TimeProvider _time;
    private readonly CacheMetrics _metrics;
    private readonly Lock _openLock = new();
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ConcurrentDictionary<string, object> _collections = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.OrdinalIgnoreCase);
    private readonly string _journalPath;
    private readonly IFileSync _files;
    private readonly JournalSync _sync;
    private readonly CacheBackup _backup;
    private readonly CancellationTokenSource _stopBackups = new();

    private volatile LiteDatabase? _db;
    private CacheFileLock? _fileLock;
    private long _sequence;
    private volatile CacheRecovery? _recovery;
    private volatile BackupInfo? _lastBackup;
    private volatile string? _lastBackupError;
    private Task? _backups;
    private bool _closed;

    public LiteDbStateCache(CacheOptions options, ILogger<LiteDbStateCache> logger, TimeProvider time, Meter meter)
        : this(options, logger, time, meter, OsFileSync.Instance)
    {
    }

    internal LiteDbStateCache(CacheOptions options, ILogger<LiteDbStateCache> logger, TimeProvider time, Meter meter, IFileSync files)
    {
        _options = options;
        _logger = logger;
        _time = time;
        _files = files;
        _journalPath = CacheDatabaseOpener.JournalPathFor(options.Path);
        _metrics = new CacheMetrics(meter, this);
        _sync = new JournalSync(options, files, time, logger, _metrics);
        _backup = new CacheBackup(options.Path, files, time);
    }

    /// <summary>The database file.</summary>
    public string Path => _options.Path;

    /// <summary>Largest accepted value, in UTF-8 bytes of JSON.</summary>
    public int MaxDocumentBytes => _options.MaxDocumentBytes;

    /// <inheritdoc />
    public long ChangeSequence
    {
        get
        {
            EnsureOpen();
            return Interlocked.Read(ref _sequence);
        }
    }

    /// <inheritdoc />
    /// <remarks>Never opens the file: status callers must not block on I/O. Zeros before open.</remarks>
    public CacheInfo Info => new(
        _options.Path,
        SizeBytes(),
        Interlocked.Read(ref _sequence),
        DocumentCounts(),
        _recovery?.MovedTo);

    /// <summary>Status with durability: the recovery at open, the fsync policy, the last backup. Never opens the file.</summary>
    public CacheStatus Status => new(
        _options.Path,
        SizeBytes(),
        Interlocked.Read(ref _sequence),
        DocumentCounts(),
        _recovery?.MovedTo,
        _recovery,
        _sync.Status,
        new CacheBackupStatus(_backup.Path, (int)_options.BackupInterval.TotalSeconds, _lastBackup, _lastBackupError));

    /// <summary>What opening the file repaired, or null.</summary>
    internal CacheRecovery? Recovery => _recovery;

    /// <summary>Seconds since the newest good backup, or null.</summary>
    internal double? BackupAgeSeconds() =>
        _lastBackup is { } last ? Math.Max(0, (_time.GetUtcNow() - last.TakenAt).TotalSeconds) : null;

    /// <inheritdoc />
    public ICacheCollection<T> Collection<T>(string name) where T : class
    {
        ValidateCollectionName(name);
        var collection = _collections.GetOrAdd(name, static (n, cache) => new LiteDbCacheCollection<T>(cache, n), this);
        return collection as ICacheCollection<T>
            ?? throw new PluginMeshException(CacheLiteDbPlugin.PluginId, $"open collection {name}",
                $"already used with type {collection.GetType().GetGenericArguments()[0].Name}, asked for {typeof(T).Name}");
    }

    /// <summary>Opens the file now (idempotent). Throws <see cref="PluginMeshException"/> when it cannot.</summary>
    public void Open() => EnsureOpen();

    /// <summary>Waits for a running write, then closes the file and releases the lock. Safe to repeat.</summary>
    public async Task CloseAsync()
    {
        await StopBackgroundAsync().ConfigureAwait(false);
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            CloseCore();
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        StopBackgroundAsync().GetAwaiter().GetResult();
        _writeGate.Wait();
        try
        {
            CloseCore();
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Documents per collection, from memory.</summary>
    internal IReadOnlyDictionary<string, long> DocumentCounts() =>
        new SortedDictionary<string, long>(_counts, StringComparer.Ordinal);

    /// <summary>Bytes of the data file plus its journal (a stat each, no reads).</summary>
    internal long SizeBytes()
    {
        var data = new FileInfo(_options.Path);
        var journal = new FileInfo(_journalPath);
        return (data.Exists ? data.Length : 0) + (journal.Exists ? journal.Length : 0);
    }

    internal long Count(string collection)
    {
        EnsureOpen();
        return _counts.GetValueOrDefault(collection);
    }

    /// <summary>Runs <paramref name="body"/> against a collection outside any write.</summary>
    internal TResult Read<TResult>(string collection, Func<ILiteCollection<BsonDocument>, TResult> body)
    {
        var db = EnsureOpen();
        try
        {
            return body(db.GetCollection(collection));
        }
        catch (Exception ex) when (ex is not PluginMeshException)
        {
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, $"read {collection}", ex.Message, ex);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> in one transaction that also bumps the change sequence.
    /// Cancellation is honoured only while waiting for the gate; a started write completes.
    /// </summary>
    internal async ValueTask<TResult> WriteAsync<TResult>(
        string collection,
        Func<ILiteCollection<BsonDocument>, long, WriteOutcome<TResult>> body,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        TResult result;
        long committed;
        try
        {
            (result, committed) = WriteLocked(collection, body);
        }
        finally
        {
            _writeGate.Release();
        }

        // Outside the gate: the next writer commits while this one waits for its fsync, and both
        // may then share the next one (sync: always). Not cancellable: the write is committed.
        if (committed > 0) await _sync.CommittedAsync(committed).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Takes a backup now (under the write gate) unless the cache is closed; returns it, or null
    /// when it was closed or the attempt failed (logged, counted, kept in status).
    /// </summary>
    internal async Task<BackupInfo?> BackupNowAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var db = _db;
            if (db is null) return null;
            var started = _time.GetTimestamp();
            try
            {
                var info = _backup.Take(db, new CacheFacts(Interlocked.Read(ref _sequence), DocumentCounts()));
                _lastBackup = info;
                _lastBackupError = null;
                _metrics.BackedUp(ok: true);
                CacheLog.BackupTaken(_logger, info.Path, info.Documents, info.ChangeSequence, _time.GetElapsedTime(started).TotalMilliseconds);
                return info;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or LiteException)
            {
                _lastBackupError = ex.Message;
                _metrics.BackedUp(ok: false);
                CacheLog.BackupFailed(_logger, _backup.Path, ex.Message);
                return null;
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task BackupLoopAsync(bool takeNow, CancellationToken cancellationToken)
    {
        try
        {
            var backedUpAt = takeNow ? -1 : Interlocked.Read(ref _sequence);
            while (true)
            {
                if (backedUpAt != Interlocked.Read(ref _sequence))
                {
                    var taken = await BackupNowAsync(cancellationToken).ConfigureAwait(false);
                    if (taken is not null) backedUpAt = taken.ChangeSequence;
                }

                if (_options.BackupInterval <= TimeSpan.Zero) return;
                await Task.Delay(_options.BackupInterval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Closing.
        }
    }

    private async Task StopBackgroundAsync()
    {
        if (!_stopBackups.IsCancellationRequested) await _stopBackups.CancelAsync().ConfigureAwait(false);
        Task? backups;
        lock (_openLock) backups = _backups;
        if (backups is not null) await backups.ConfigureAwait(false);
        await _sync.DisposeAsync().ConfigureAwait(false);
    }

    // Synchronous on purpose: BeginTrans and Commit must run on the same thread.
    private (TResult Result, long Committed) WriteLocked<TResult>(string collection, Func<ILiteCollection<BsonDocument>, long, WriteOutcome<TResult>> body)
    {
        var db = EnsureOpen();
        var sequence = Interlocked.Read(ref _sequence) + 1;
        if (!db.BeginTrans())
        {
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, $"write {collection}",
                "a LiteDB transaction is already open on this thread");
        }

        WriteOutcome<TResult> outcome;
        try
        {
            outcome = body(db.GetCollection(collection), sequence);
            if (!outcome.Changed)
            {
                db.Rollback();
                return (outcome.Result, 0);
            }

            db.GetCollection(MetaCollection).Upsert(new BsonDocument
            {
                ["_id"] = SequenceId,
                ["value"] = sequence,
            });
            db.Commit();
        }
        catch (Exception ex)
        {
            try
            {
                db.Rollback();
            }
            catch (Exception rollback) when (rollback is LiteException or InvalidOperationException)
            {
                // The original failure is the one worth reporting; the transaction is gone either way.
            }

            if (ex is PluginMeshException) throw;
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, $"write {collection}", ex.Message, ex);
        }

        Interlocked.Exchange(ref _sequence, sequence);
        _counts.AddOrUpdate(collection, outcome.CountDelta, (_, count) => count + outcome.CountDelta);
        _metrics.Wrote(collection);
        return (outcome.Result, sequence);
    }

    private LiteDatabase EnsureOpen()
    {
        var db = _db;
        if (db is not null) return db;

        lock (_openLock)
        {
            if (_db is not null) return _db;
            if (_closed)
            {
                throw new PluginMeshException(CacheLiteDbPlugin.PluginId, "open cache", $"{_options.Path} was closed (the plugin stopped)");
            }

            CreateDirectory();
            var fileLock = CacheFileLock.Acquire(_options.Path);
            try
            {
                var (opened, recovery) = CacheDatabaseOpener.Open(_options.Path, _logger, _time, _files);
                try
                {
                    LoadState(opened);
                }
                catch
                {
                    opened.Dispose();
                    throw;
                }

                _fileLock = fileLock;
                _recovery = recovery;
                if (recovery is not null) _metrics.Recovered(recovery.Outcome);
                if (recovery?.Backup is { } restored) _lastBackup = restored;
                _db = opened;
                var sequence = Interlocked.Read(ref _sequence);
                _sync.Opened(sequence);
                CacheLog.Opened(_logger, _options.Path, _counts.Count, sequence, JournalSync.Name(_options.Sync));

                // A file just restored from the backup is that backup: no need to copy it back.
                var takeNow = recovery?.Outcome != CacheRecovery.RestoredFromBackup;
                _backups = Task.Run(() => BackupLoopAsync(takeNow, _stopBackups.Token));
                return opened;
            }
            catch
            {
                fileLock.Dispose();
                throw;
            }
        }
    }

    private void LoadState(LiteDatabase db)
    {
        var facts = CacheFacts.Read(db);
        Interlocked.Exchange(ref _sequence, facts.Sequence);
        _counts.Clear();
        foreach (var (name, count) in facts.Counts) _counts[name] = count;
    }

    private void CreateDirectory()
    {
        var directory = System.IO.Path.GetDirectoryName(_options.Path);
        if (string.IsNullOrEmpty(directory)) return;
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, "open cache",
                $"cannot create directory {directory}: {ex.Message}", ex);
        }
    }

    private void CloseCore()
    {
        lock (_openLock)
        {
            _closed = true;
            var db = _db;
            _db = null;
            try
            {
                db?.Dispose();
            }
            finally
            {
                _fileLock?.Dispose();
                _fileLock = null;
            }

            if (db is not null) CacheLog.Closed(_logger, _options.Path);
        }
    }

    private static void ValidateCollectionName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);

        // LiteDB accepts letters, digits and '_'; a leading letter keeps '_meta' and LiteDB's own
        // '$' system collections out of reach.
        var valid = name.Length is > 0 and <= 60
            && char.IsAsciiLetter(name[0])
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        if (!valid)
        {
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, $"open collection {name}",
                "name must start with a letter and hold only ASCII letters, digits and '_' (at most 60)");
        }
    }
}
