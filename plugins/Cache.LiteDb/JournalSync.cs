namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>
/// Carries out <see cref="CacheSyncMode"/>: fsyncs LiteDB's journal after commits (group commit in
/// <see cref="CacheSyncMode.Always"/>), on a timer (<see cref="CacheSyncMode.Periodic"/>) or never.
/// </summary>
/// <remarks>
/// Sequences are the cache's change sequences, which follow commit order (one writer at a time).
/// An fsync that starts after the commit of sequence N covers every commit up to N, because those
/// pages were written before it began; writers that commit while an fsync runs wait for the next
/// one together, so N concurrent writers cost about two fsyncs, not N.
/// The journal is the only file LiteDB leaves unsynced: it fsyncs the data file itself at every
/// checkpoint. The directory is fsynced once per open, after the journal first exists, so the
/// journal's name survives a power loss too.
/// </remarks>
internal sealed class JournalSync : IAsyncDisposable
{
    private readonly CacheOptions _options;
    private readonly string _journalPath;
    private readonly string _directory;
    private readonly IFileSync _files;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CacheMetrics _metrics;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private long _committed = -1;
    private long _durable = -1;
    private Task? _running;
    private Task? _loop;
    private bool _journalNameSynced;
    private int _disposed;
    private DateTimeOffset? _lastSync;
    private double? _lastSyncMs;
    private long _failures;
    private string? _lastError;

    public JournalSync(CacheOptions options, IFileSync files, TimeProvider time, ILogger logger, CacheMetrics metrics)
    {
        _options = options;
        _journalPath = CacheDatabaseOpener.JournalPathFor(options.Path);
        _directory = Path.GetDirectoryName(Path.GetFullPath(options.Path)) ?? ".";
        _files = files;
        _time = time;
        _logger = logger;
        _metrics = metrics;
    }

    public CacheSyncStatus Status
    {
        get
        {
            lock (_gate)
            {
                return new CacheSyncStatus(Name(_options.Sync), _options.Sync == CacheSyncMode.Periodic ? (int)_options.SyncInterval.TotalMilliseconds : null,
                    _durable, _lastSync, _lastSyncMs, _failures, _lastError);
            }
        }
    }

    public static string Name(CacheSyncMode mode) => mode switch
    {
        CacheSyncMode.Always => "always",
        CacheSyncMode.Periodic => "periodic",
        _ => "os",
    };

    /// <summary>
    /// Called once the file is open at <paramref name="sequence"/>. Whatever the last run left in the
    /// page cache (a kill -9 does not flush it) is made durable now, before new writes; then the
    /// timer starts in <see cref="CacheSyncMode.Periodic"/>.
    /// </summary>
    public void Opened(long sequence)
    {
        lock (_gate) _committed = sequence;
        if (_options.Sync == CacheSyncMode.Os) return;
        try
        {
            // The directory too: the open may have created the data file or restored it by rename.
            SyncCovering(sequence, directory: true);
        }
        catch (PluginMeshException)
        {
            // Logged and counted in SyncCovering; the cache still opens (the next sync retries).
        }

        if (_options.Sync == CacheSyncMode.Periodic) _loop = Task.Run(() => PeriodicAsync(_stop.Token));
    }

    /// <summary>
    /// A write committed <paramref name="sequence"/>. In <see cref="CacheSyncMode.Always"/> the task
    /// ends when an fsync covering it did, and fails when that fsync failed (the write is committed
    /// and readable, but not known to be on disk); otherwise it is already complete.
    /// </summary>
    public Task CommittedAsync(long sequence)
    {
        lock (_gate)
        {
            if (sequence > _committed) _committed = sequence;
        }

        return _options.Sync == CacheSyncMode.Always ? WaitDurableAsync(sequence) : Task.CompletedTask;
    }

    private async Task WaitDurableAsync(long sequence)
    {
        while (true)
        {
            Task running;
            lock (_gate)
            {
                if (_durable >= sequence) return;
                if (_running is null || _running.IsCompleted)
                {
                    var covers = _committed;
                    _running = Task.Run(() => SyncCovering(covers, directory: false));
                }

                running = _running;
            }

            // An fsync that began before this commit does not cover it: the loop then starts the next one.
            await running.ConfigureAwait(false);
        }
    }

    private async Task PeriodicAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await Task.Delay(_options.SyncInterval, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            long target;
            lock (_gate)
            {
                target = _committed;
                if (target <= _durable) continue;
            }

            try
            {
                SyncCovering(target, directory: false);
            }
            catch (PluginMeshException)
            {
                // Logged and counted; the next tick tries again.
            }
        }
    }

    private void SyncCovering(long covers, bool directory)
    {
        var started = _time.GetTimestamp();
        try
        {
            try
            {
                _files.File(_journalPath);
            }
            catch (FileNotFoundException)
            {
                // No journal (none written yet this run, or a clean close folded it in): the data
                // file is all there is.
                _files.File(_options.Path);
            }

            // LiteDB creates the journal at the first write after open and keeps it (truncating it
            // at checkpoints) until close, so its name needs one directory fsync per open.
            var journalNew = !Volatile.Read(ref _journalNameSynced) && File.Exists(_journalPath);
            if (directory || journalNew) _files.Directory(_directory);
            if (journalNew) Volatile.Write(ref _journalNameSynced, true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            lock (_gate)
            {
                _failures++;
                _lastError = ex.Message;
            }

            _metrics.SyncFailed();
            CacheLog.SyncFailed(_logger, _journalPath, ex.Message);
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, "sync cache", $"{_journalPath}: {ex.Message}", ex);
        }

        var elapsed = _time.GetElapsedTime(started);
        lock (_gate)
        {
            if (covers > _durable) _durable = covers;
            _lastSync = _time.GetUtcNow();
            _lastSyncMs = elapsed.TotalMilliseconds;
            _lastError = null;
        }

        _metrics.Synced(elapsed.TotalMilliseconds);
    }

    /// <summary>Stops the timer; waits for an fsync in flight. Safe to repeat.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop) await loop.ConfigureAwait(false);
        _stop.Dispose();
        Task? running;
        lock (_gate) running = _running;
        if (running is not null)
        {
            try
            {
                await running.ConfigureAwait(false);
            }
            catch (PluginMeshException)
            {
                // Already reported to the writer that waited for it.
            }
        }
    }
}
