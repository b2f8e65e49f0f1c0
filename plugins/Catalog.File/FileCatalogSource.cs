using System.Security.Cryptography;
using System.Threading.Channels;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Plugins.Catalog.File.Parsing;

namespace PluginMesh.Plugins.Catalog.File;

/// <summary>
/// Keeps the catalog in step with one YAML file: loads it at start, reloads it on file-system
/// events (debounced) and on a content-hash poll, and hands each valid content to the sink as a
/// full state. Invalid content is reported and the last good catalog stays in effect.
/// </summary>
/// <remarks>
/// Thread-safe: reloads run on one background loop; status reads take a snapshot under a lock.
/// The directory is watched rather than the file because ConfigMap updates swap a symlink
/// (<c>..data</c>) in the directory and never write the file itself.
/// </remarks>
public sealed class FileCatalogSource : ICatalogSource, IStatusContributor, IHostedService, IDisposable
{
    /// <summary>Name of this source in the sink and in cache collection names.</summary>
    public const string SourceName = "file";

    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(100);

    private readonly FileCatalogOptions _options;
    private readonly ICatalogSink _sink;
    private readonly ICatalogCache? _cache;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly FileCatalogMetrics _metrics;
    private readonly CatalogSourceState _state;
    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly IReadOnlyList<CatalogResourceType> _resourceTypes;

    private FileSystemWatcher? _watcher;
    private bool _watcherBroken;
    private bool _watcherFailureLogged;
    private Task? _loop;
    private byte[]? _lastHash;
    private FileCatalogState? _current;
    private IReadOnlyList<FileCatalogProblem> _problems = [];
    private IReadOnlyList<string> _skipped = [];
    private bool _fromCache;
    private DateTimeOffset? _lastCheck;
    private long _reloads;
    private long _failures;
    private int _cachedObjects;

    /// <summary>Creates the source; nothing is read until <see cref="StartAsync"/>.</summary>
    /// <remarks>
    /// <paramref name="cache"/> is null without a cache plugin: nothing is kept across restarts then.
    /// <paramref name="resourceTypes"/> are the kinds other plugins asked for (<see cref="CatalogResourceType"/>):
    /// the objects of <c>resources:</c> of those kinds (by group and kind) are carried, the others skipped with a warning.
    /// </remarks>
    public FileCatalogSource(FileCatalogOptions options, ICatalogSink sink, ICatalogCache? cache,
        ILogger<FileCatalogSource> logger, TimeProvider time, System.Diagnostics.Metrics.Meter meter,
        IEnumerable<CatalogResourceType>? resourceTypes = null)
    {
        _resourceTypes = (resourceTypes ?? []).Where(t => t is not null).ToList();
        _options = options;
        _sink = sink;
        _cache = cache;
        _logger = logger;
        _time = time;
        _state = new CatalogSourceState(time);
        _metrics = new FileCatalogMetrics(meter, () => _state.Connected ? 1 : 0, ObjectCounts, ResourceCounts);
    }

    /// <inheritdoc />
    public string Name => SourceName;

    /// <inheritdoc />
    public bool Synced => _state.Synced;

    /// <inheritdoc />
    public DateTimeOffset? LastSync => _state.LastSync;

    /// <inheritdoc />
    /// <remarks>The file is this source's authority: connected while its current content is valid.</remarks>
    public bool Connected => _state.Connected;

    /// <inheritdoc />
    public DateTimeOffset? ConnectedChangedAt => _state.ConnectedChangedAt;

    /// <inheritdoc />
    public string Section => "catalog.file";

    /// <summary>Problems of the file's current content (empty when it is valid).</summary>
    public IReadOnlyList<FileCatalogProblem> Problems
    {
        get { lock (_gate) return _problems; }
    }

    /// <inheritdoc />
    public object GetStatus()
    {
        lock (_gate)
        {
            return new FileCatalogStatus(
                _options.Path, _state.Synced, _fromCache, _state.Connected, _state.LastSync, _lastCheck,
                _current?.Services.Count ?? 0,
                _current?.Endpoints.Sum(e => e.Endpoints.Count) ?? 0,
                _current?.Nodes.Count ?? 0,
                _current?.Resources.Count ?? 0,
                _reloads, _failures,
                _problems.Select(p => p.ToString()).ToList(),
                _skipped);
        }
    }

    /// <summary>Loads the file once (or the cache when the file is unusable), then starts watching.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var loaded = await ReloadAsync(cancellationToken).ConfigureAwait(false);
        if (!loaded) await ServeCacheAsync(cancellationToken).ConfigureAwait(false);
        StartWatcher();
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The loop re-arms the watcher, so it has to be stopped before the watcher is.
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop) await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        StopWatcher();
    }

    /// <inheritdoc />
    /// <remarks>Idempotent: the container may dispose this object once per registration that hands it out.</remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        StopWatcher();
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private int _disposed;

    /// <summary>
    /// Reads the file and applies it when its content changed since the last read.
    /// Returns true when the file's content is now in effect.
    /// </summary>
    internal async Task<bool> ReloadAsync(CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            // ReadAllBytes follows the symlink chain, so a ConfigMap swap is seen as new content.
            bytes = await System.IO.File.ReadAllBytesAsync(_options.Path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var problem = new FileCatalogProblem(_options.Path, 0, 0, "", "cannot read the file: " + ex.Message);
            lock (_gate) _lastHash = null; // whatever appears next must be parsed, even if identical to before
            Fail([problem], "unreadable");
            return false;
        }

        var hash = SHA256.HashData(bytes);
        lock (_gate)
        {
            _lastCheck = _time.GetUtcNow();
            if (_lastHash is not null && hash.AsSpan().SequenceEqual(_lastHash)) return _state.Connected;
            _lastHash = hash;
        }

        var text = System.Text.Encoding.UTF8.GetString(bytes);
        var result = FileCatalogParser.Parse(text, _options.Path);
        if (!result.Success || result.State is null)
        {
            Fail(result.Problems, "invalid");
            return false;
        }

        var (state, skipped) = KeepAskedFor(result.State, result.Skipped);
        var changes = state.ToChanges();
        try
        {
            await _sink.ReplaceAsync(SourceName, changes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The sink is the host's; if it failed, the content was not applied, so forget the hash
            // to try again on the next poll.
            FileCatalogLog.ApplyFailed(_logger, _options.Path, ex);
            lock (_gate) _lastHash = null;
            return false;
        }

        lock (_gate)
        {
            _current = state;
            _problems = [];
            _skipped = skipped;
            _fromCache = false;
            _state.FullSync();
            _state.SetConnected(true);
            _reloads++;
        }

        _metrics.Reloaded("ok");
        FileCatalogLog.Loaded(_logger, _options.Path, state.Services.Count, state.Endpoints.Sum(e => e.Endpoints.Count), state.Nodes.Count, state.Resources.Count);
        foreach (var reason in skipped) FileCatalogLog.ResourceSkipped(_logger, reason);
        await WriteCacheAsync(changes, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private void Fail(IReadOnlyList<FileCatalogProblem> problems, string result)
    {
        lock (_gate)
        {
            _problems = problems;
            _state.SetConnected(false);
            _failures++;
            _lastCheck = _time.GetUtcNow();
        }

        _metrics.Reloaded(result);
        foreach (var problem in problems) FileCatalogLog.Problem(_logger, problem.ToString());
    }

    private async Task ServeCacheAsync(CancellationToken cancellationToken)
    {
        var cached = _cache.RestoreOrEmpty(SourceName, ex => FileCatalogLog.CacheFailed(_logger, ex));
        if (cached.Count == 0) return;
        try
        {
            await _sink.ReplaceAsync(SourceName, cached, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Start must not fail because of the fallback; the file is retried on every poll.
            FileCatalogLog.ApplyFailed(_logger, _options.Path, ex);
            return;
        }

        lock (_gate)
        {
            _current = new FileCatalogState(
                cached.Select(c => c.Value).OfType<MeshService>().ToList(),
                cached.Select(c => c.Value).OfType<ServiceEndpoints>().ToList(),
                cached.Select(c => c.Value).OfType<MeshNode>().ToList())
            {
                Resources = cached.Select(c => c.Value).OfType<MeshResource>().ToList(),
            };
            _state.ServedFromCache();
            _fromCache = true;
            _cachedObjects = cached.Count;
        }

        FileCatalogLog.ServedFromCache(_logger, cached.Count, _options.Path);
    }

    private async Task WriteCacheAsync(IReadOnlyList<CatalogChange> changes, CancellationToken cancellationToken)
    {
        if (_cache is null) return;
        try
        {
            await _cache.ReplaceAsync(SourceName, changes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The catalog is applied; a cache failure only costs the restart-without-file case.
            FileCatalogLog.CacheFailed(_logger, ex);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var pollDue = new CancellationTokenSource(_options.PollInterval, _time);
                using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, pollDue.Token);
                try
                {
                    await _changed.Reader.ReadAsync(poll.Token).ConfigureAwait(false);

                    // Editors write in several steps; waiting a moment lets them finish so the
                    // intermediate content is not reported as a problem.
                    await Task.Delay(Debounce, _time, cancellationToken).ConfigureAwait(false);
                    _changed.Reader.TryRead(out _);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Poll interval elapsed without an event: check the hash anyway.
                }

                // The directory may appear after start, or the watch may have died (directory
                // replaced, event queue overflow): re-arm it so later edits are seen at once again.
                if (Volatile.Read(ref _watcherBroken) || Volatile.Read(ref _watcher) is null)
                {
                    StopWatcher();
                    Volatile.Write(ref _watcherBroken, false);
                    StartWatcher();
                }

                await ReloadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A bug here must not end hot reload for the life of the process.
                FileCatalogLog.ApplyFailed(_logger, _options.Path, ex);
            }
        }
    }

    private void StartWatcher()
    {
        var directory = System.IO.Path.GetDirectoryName(_options.Path);
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory)) return;
        FileSystemWatcher? watcher = null;
        try
        {
            watcher = new FileSystemWatcher(directory)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite |
                               NotifyFilters.Size | NotifyFilters.CreationTime | NotifyFilters.Attributes,
            };
            watcher.Changed += OnFileSystemEvent;
            watcher.Created += OnFileSystemEvent;
            watcher.Deleted += OnFileSystemEvent;
            watcher.Renamed += OnFileSystemEvent;
            watcher.Error += (_, _) =>
            {
                Volatile.Write(ref _watcherBroken, true);
                _changed.Writer.TryWrite(true);
            };
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            watcher?.Dispose();

            // inotify limits are per user and easily exhausted on busy nodes; the poll still works.
            // Re-armed on every poll; say it once, not every few seconds.
            if (!_watcherFailureLogged) FileCatalogLog.WatcherFailed(_logger, directory, _options.PollInterval.TotalSeconds, ex);
            _watcherFailureLogged = true;
        }
    }

    private void OnFileSystemEvent(object sender, FileSystemEventArgs e) => _changed.Writer.TryWrite(true);

    private void StopWatcher()
    {
        var watcher = Interlocked.Exchange(ref _watcher, null);
        if (watcher is null) return;
        watcher.EnableRaisingEvents = false;
        watcher.Dispose();
    }

    /// <summary>
    /// The state with only the resources of kinds some plugin asked for, and why each entry left out was
    /// (malformed, or of a kind nobody asked for).
    /// </summary>
    private (FileCatalogState State, List<string> Skipped) KeepAskedFor(FileCatalogState state, IReadOnlyList<FileCatalogProblem> malformed)
    {
        var skipped = malformed.Select(p => p.ToString()).ToList();
        var kept = new List<MeshResource>();
        foreach (var resource in state.Resources)
        {
            if (_resourceTypes.Any(t => t.Matches(resource))) kept.Add(resource);
            else skipped.Add($"{_options.Path}: resource {resource.Key} ({resource.ApiVersion}): no plugin asked for {(resource.Key.Group.Length == 0 ? resource.Key.Kind : $"{resource.Key.Kind}.{resource.Key.Group}")}; skipped");
        }

        return (state with { Resources = kept }, skipped);
    }

    // The pluginmesh.catalog.resources gauge: resources carried, by kind.
    private Dictionary<string, int> ResourceCounts()
    {
        lock (_gate)
        {
            return (_current?.Resources ?? []).GroupBy(r => r.Key.Group.Length == 0 ? r.Key.Kind : $"{r.Key.Kind}.{r.Key.Group}")
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        }
    }

    private Dictionary<string, int> ObjectCounts()
    {
        lock (_gate)
        {
            return new Dictionary<string, int>(StringComparer.Ordinal)
            {
                ["service"] = _current?.Services.Count ?? 0,
                ["endpoint"] = _current?.Endpoints.Sum(e => e.Endpoints.Count) ?? 0,
                ["node"] = _current?.Nodes.Count ?? 0,
                ["cached"] = _cachedObjects,
            };
        }
    }
}
