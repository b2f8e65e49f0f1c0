using Microsoft.Extensions.Logging;
using PluginMesh.Host.Policies.Scripting;

namespace PluginMesh.Host.Policies;

/// <summary>
/// Hosts the policy scripts in <see cref="PolicyEngineOptions.Directory"/> and answers every policy
/// interface of <c>PluginMesh.Abstractions.Policies</c>: the script when it is loaded and answers validly,
/// the built-in default otherwise.
/// </summary>
/// <remarks>
/// Lifecycle: the constructor only builds state; <see cref="Start"/> loads the scripts and begins
/// watching (file-system events plus a content-hash poll, because a Kubernetes ConfigMap update swaps a
/// <c>..data</c> symlink that file-system events may not report); <see cref="Dispose"/> stops watching
/// and cancels running scripts. Before <see cref="Start"/> and after <see cref="Dispose"/> the defaults
/// answer. All members are thread-safe; policy calls never throw for script problems.
/// </remarks>
public sealed class PolicyEngine : IRelaySelectionPolicy, IFailoverPolicy, IResyncPolicy, IEndpointPolicy, IRelayElectionPolicy, INodeRetirePolicy, IDisposable
{
    // A burst of events (editor writes, symlink swap) settles before the rescan reads the files.
    private static readonly TimeSpan EventSettle = TimeSpan.FromMilliseconds(100);

    private readonly PolicyEngineOptions _options;
    private readonly ILogger<PolicyEngine> _logger;
    private readonly TimeProvider _time;
    private readonly PolicyMetrics _metrics = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _stopWatching = new();
    private readonly ScriptedPolicy<RelaySelectionInput, RelaySelectionResult> _relaySelection;
    private readonly ScriptedPolicy<FailureInput, FailoverDecision> _failover;
    private readonly ScriptedPolicy<ResyncInput, ResyncDecision> _resync;
    private readonly ScriptedPolicy<EndpointPickInput, EndpointPick> _endpoint;
    private readonly ScriptedPolicy<RelayElectionInput, RelayElectionDecision> _relayElection;
    private readonly ScriptedPolicy<RetireInput, RetireDecision> _retire;
    private readonly IReadOnlyList<IScriptedPolicy> _policies;
    private readonly Lock _lifecycleLock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FileSystemWatcher? _watcher;
    private Task? _watchLoop;
    private bool _started;
    private bool _disposed;

    /// <summary>Creates the engine; nothing is read or watched until <see cref="Start"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public PolicyEngine(PolicyEngineOptions options, ILogger<PolicyEngine> logger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        _options = options;
        _logger = logger;
        _time = timeProvider;
        var directory = Path.GetFullPath(options.Directory);
        _relaySelection = Create(RelaySelectionBinding.Instance, directory);
        _failover = Create(FailoverBinding.Instance, directory);
        _resync = Create(ResyncBinding.Instance, directory);
        _endpoint = Create(EndpointBinding.Instance, directory);
        _relayElection = Create(RelayElectionBinding.Instance, directory);
        _retire = Create(RetireBinding.Instance, directory);
        _policies = [_relaySelection, _failover, _resync, _endpoint, _relayElection, _retire];
        Directory = directory;
    }

    /// <summary>Absolute path of the watched folder.</summary>
    public string Directory { get; }

    /// <summary>The meter the engine reports on (named <c>PluginMesh.Policies</c>).</summary>
    public System.Diagnostics.Metrics.Meter Meter => _metrics.Meter;

    /// <summary>One entry per policy hook: relay-selection, failover, resync, endpoint, relay-election, retire.</summary>
    public IReadOnlyList<PolicyScriptStatus> Status => _policies.Select(p => p.Status()).ToList();

    /// <summary>The hook named <paramref name="name"/> (<c>relay-selection</c>, <c>failover</c>, <c>resync</c>, <c>endpoint</c>, <c>relay-election</c>, <c>retire</c>).</summary>
    internal IScriptedPolicy Policy(string name) => _policies.Single(p => p.Status().Name == name);

    /// <summary>Loads the scripts now and starts watching for changes. Idempotent.</summary>
    public void Start()
    {
        lock (_lifecycleLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                return;
            }

            _started = true;
            Reload();
            TryStartWatcher();
            _watchLoop = Task.Run(() => WatchLoopAsync(_stopWatching.Token));
        }
    }

    /// <summary>Re-reads every script now (what the watcher and the poll do); unchanged files cost a hash.</summary>
    public void Reload()
    {
        foreach (var policy in _policies)
        {
            policy.Reload();
        }
    }

    /// <inheritdoc />
    public RelaySelectionResult RankRelays(RelaySelectionInput input) => _relaySelection.Invoke(input);

    /// <inheritdoc />
    public FailoverDecision OnFailure(FailureInput input) => _failover.Invoke(input);

    /// <inheritdoc />
    public ResyncDecision ShouldResync(ResyncInput input) => _resync.Invoke(input);

    /// <inheritdoc />
    public EndpointPick PickEndpoint(EndpointPickInput input) => _endpoint.Invoke(input);

    /// <inheritdoc />
    public RelayElectionDecision ElectRelay(RelayElectionInput input) => _relayElection.Invoke(input);

    /// <inheritdoc />
    public RetireDecision ShouldRetire(RetireInput input) => _retire.Invoke(input);

    /// <summary>
    /// Stops watching for changes; the loaded versions keep answering. Called when the host stops, so
    /// calls made during shutdown still get the operator's policies. Idempotent; <see cref="Start"/> does
    /// not resume watching afterwards.
    /// </summary>
    public void StopWatching()
    {
        Task? loop;
        lock (_lifecycleLock)
        {
            loop = _watchLoop;
            _watchLoop = null;
            if (!_stopWatching.IsCancellationRequested)
            {
                _stopWatching.Cancel();
            }

            _watcher?.Dispose();
            _watcher = null;
        }

        // The loop only awaits cancellable delays and a rescan of a few small files, so it ends promptly.
        try
        {
            loop?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // A fault surfaced through the loop task while stopping: nothing left to do.
        }
    }

    /// <summary>Stops watching, cancels running scripts and releases the sandboxes; the defaults answer afterwards.</summary>
    public void Dispose()
    {
        lock (_lifecycleLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        StopWatching();
        _stopping.Cancel();
        foreach (var policy in _policies)
        {
            policy.Dispose();
        }

        _metrics.Dispose();
        _stopping.Dispose();
        _stopWatching.Dispose();
    }

    private ScriptedPolicy<TInput, TResult> Create<TInput, TResult>(PolicyBinding<TInput, TResult> binding, string directory)
        where TInput : class
        where TResult : class =>
        new(binding, Path.Combine(directory, binding.FileName), _options, _metrics, _logger, _time, _stopping.Token);

    private async Task WatchLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var changed = Volatile.Read(ref _changed).Task;
                using (var wake = CancellationTokenSource.CreateLinkedTokenSource(stopping))
                {
                    var poll = Task.Delay(_options.PollInterval, _time, wake.Token);
                    await Task.WhenAny(changed, poll).ConfigureAwait(false);
                    await wake.CancelAsync().ConfigureAwait(false);
                }

                if (changed.IsCompleted)
                {
                    Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                    await Task.Delay(EventSettle, _time, stopping).ConfigureAwait(false);
                }

                TryStartWatcher();
                Reload();
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The watch loop must outlive any single failed rescan; the next poll retries.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                PolicyLog.RescanFailed(_logger, Directory, ex);
            }
        }
    }

    // Also retried on every poll: the folder may be mounted after the agent starts.
    private void TryStartWatcher()
    {
        lock (_lifecycleLock)
        {
            if (!_options.WatchFileSystem || _watcher is not null || _disposed || _stopWatching.IsCancellationRequested || !System.IO.Directory.Exists(Directory))
            {
                return;
            }

            try
            {
                var watcher = new FileSystemWatcher(Directory)
                {
                    IncludeSubdirectories = false,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                };
                watcher.Changed += (_, _) => SignalChanged();
                watcher.Created += (_, _) => SignalChanged();
                watcher.Deleted += (_, _) => SignalChanged();
                watcher.Renamed += (_, _) => SignalChanged();
                // A lost event (buffer overflow) is just another reason to rescan.
                watcher.Error += (_, _) => SignalChanged();
                watcher.EnableRaisingEvents = true;
                _watcher = watcher;
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
            {
                // e.g. the inotify instance limit: the poll still picks changes up.
                PolicyLog.WatchUnavailable(_logger, Directory, ex.Message);
            }
        }
    }

    private void SignalChanged() => Volatile.Read(ref _changed).TrySetResult();
}
