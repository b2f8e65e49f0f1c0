using PluginMesh.Plugins.Catalog.Kubernetes.Watching;

namespace PluginMesh.Plugins.Catalog.Kubernetes;

// The watch phase: one watch per resource, resumed from its resourceVersion, until a re-list is due.
public sealed partial class KubernetesCatalogSource
{
    /// <summary>A watch closed sooner than this without events counts as a failure (server refusing watches).</summary>
    private static readonly TimeSpan MinQuietWatch = TimeSpan.FromSeconds(1);

    private async Task<PhaseEnd> WatchAllAsync(KubeApiClient api, IReadOnlyList<WatchTarget> targets, CancellationToken cancellationToken)
    {
        using var phase = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watcher = new ResourceWatcher(api, _options.WatchTimeout);
        var tasks = targets.Select(t => WatchKindAsync(watcher, t, phase.Token)).ToList();
        tasks.Add(PeriodicAsync(phase.Token));

        var first = await Task.WhenAny(tasks).ConfigureAwait(false);
        await phase.CancelAsync().ConfigureAwait(false);
        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return first.Result ?? results.FirstOrDefault(r => r is not null) ?? new PhaseEnd("reconnected", false);
    }

    // The watch target of a core kind (or of DestinationRules at the path their probe found).
    private WatchTarget CoreTarget(ResourceKind kind, string path, string resourceVersion) => new(
        ResourcePaths.Name(kind), path, resourceVersion,
        (type, obj, ct) => OnEventAsync(kind, type, obj, ct),
        kind == ResourceKind.DestinationRules ? DestinationRulesGoneAsync : null);

    /// <summary>Keeps one collection watched; returns when a re-list is needed, null when cancelled.</summary>
    private async Task<PhaseEnd?> WatchKindAsync(ResourceWatcher watcher, WatchTarget target, CancellationToken cancellationToken)
    {
        var name = target.Name;
        var rv = target.ResourceVersion;
        var backoff = _options.BackoffInitial;
        var failures = 0;
        try
        {
            while (true)
            {
                var started = _time.GetTimestamp();
                var result = await watcher.WatchAsync(target.Path, rv, () => OnWatchOpened(name), target.OnEvent, reason => OnBadLine(name, reason), cancellationToken)
                    .ConfigureAwait(false);
                rv = result.ResourceVersion;
                SetResourceVersion(name, rv);
                if (result.Events > 0)
                {
                    // Progress was made: the next failure starts the backoff from the beginning.
                    backoff = _options.BackoffInitial;
                    failures = 0;
                }

                if (target.OnGone is { } gone && result.Outcome == WatchOutcome.Failed && result.StatusCode is 403 or 404)
                {
                    // Optional kind gone (CRD removed, RBAC revoked): drop its objects and stop watching
                    // it without disturbing the other watches; the next full list asks again.
                    await gone(result.StatusCode, result.Reason, cancellationToken).ConfigureAwait(false);
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }

                switch (result.Outcome)
                {
                    case WatchOutcome.Expired:
                        KubernetesCatalogLog.WatchExpired(_logger, name, rv);
                        return new PhaseEnd("watch-expired", false);
                    case WatchOutcome.Unreachable:
                        SetError($"watch {name}: {result.Reason}", name);
                        _metrics.Error("unreachable");
                        return new PhaseEnd("reconnected", true);
                    case WatchOutcome.Ended when result.Events > 0 || _time.GetElapsedTime(started) >= MinQuietWatch:
                        // The server's own timeout on a quiet cluster: renew at once, nothing is wrong.
                        backoff = _options.BackoffInitial;
                        continue;
                    case WatchOutcome.Failed when ++failures >= MaxWatchFailuresBeforeRelist:
                        SetError($"watch {name}: {result.Reason}", name);
                        _metrics.Error("watch");
                        return new PhaseEnd("reconnected", false);
                }

                // Broken, failed, or closed at once without a single event: reopen from the same
                // resourceVersion after a jittered, growing pause so a flapping server is not hammered.
                if (result.Outcome != WatchOutcome.Ended)
                {
                    SetError($"watch {name}: {result.Reason}", name);
                    _metrics.Error("watch");
                }

                var delay = Jitter(backoff);
                KubernetesCatalogLog.WatchFailed(_logger, name, result.Reason, rv, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.BackoffMax.Ticks));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Asks the policy about a periodic re-list; returns when it says yes, null when cancelled.</summary>
    private async Task<PhaseEnd?> PeriodicAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var decision = Ask("periodic", 0, 0);
                if (decision.Resync) return new PhaseEnd("periodic", false);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(decision.DelayMs, 1000)), _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private void OnBadLine(string name, string reason) => Skip(name, null, reason);

    private void OnWatchOpened(string name)
    {
        lock (_gate) WatchHealthy(name);
    }
}
