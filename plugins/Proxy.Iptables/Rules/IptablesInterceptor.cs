using System.ComponentModel;

namespace PluginMesh.Plugins.Proxy.Iptables.Rules;

/// <summary>
/// <see cref="ITrafficInterceptor"/> on the nat table: every change is one <c>iptables-restore
/// --noflush</c> batch; small changes delete/append single rules, big ones rewrite our chain.
/// </summary>
public sealed class IptablesInterceptor(ProxyOptions options, CommandRunner runner, ProxyMetrics metrics, TimeProvider time, ILogger logger)
    : ITrafficInterceptor
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IptablesTools? _tools;
    private List<string> _applied = [];
    private bool _installed;
    private volatile InterceptState _state = new("iptables", 0, null, null, null);

    /// <inheritdoc />
    public InterceptState State => _state;

    /// <summary>The tools in use, once detected.</summary>
    public IptablesTools? Tools => _tools;

    /// <summary>How the last sync was applied: <c>install</c>, <c>rewrite</c>, <c>incremental</c> or <c>none</c>.</summary>
    public string LastSyncKind { get; private set; } = "none";

    /// <inheritdoc />
    public async ValueTask SyncAsync(IReadOnlyList<InterceptRule> rules, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rules);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var started = time.GetTimestamp();
        try
        {
            var desired = new List<string>(rules.Count);
            var set = new HashSet<string>(StringComparer.Ordinal);
            foreach (var r in rules)
            {
                var spec = RuleRenderer.Spec(r);
                if (set.Add(spec)) desired.Add(spec);
            }

            string kind;
            string? input;
            if (!_installed)
            {
                // First sync (or after a failure): whatever a crashed run left is replaced wholesale.
                var saved = await SaveAsync(cancellationToken).ConfigureAwait(false);
                if (saved.ChainExists || saved.JumpLines.Count > 0) logger.LeftoversRepaired();
                input = RuleRenderer.Install(saved.JumpLines, desired);
                kind = "install";
            }
            else
            {
                var applied = new HashSet<string>(_applied, StringComparer.Ordinal);
                var remove = _applied.Where(s => !set.Contains(s)).ToList();
                var add = desired.Where(s => !applied.Contains(s)).ToList();
                if (remove.Count == 0 && add.Count == 0)
                {
                    (input, kind) = (null, "none");
                }
                else if (remove.Count + add.Count <= Math.Max(64, desired.Count / 4))
                {
                    (input, kind) = (RuleRenderer.Incremental(remove, add), "incremental");
                }
                else
                {
                    (input, kind) = (RuleRenderer.Rewrite(desired), "rewrite");
                }
            }

            if (input is not null) await RestoreAsync(input, cancellationToken).ConfigureAwait(false);
            _installed = true;
            _applied = desired;
            LastSyncKind = kind;
            var elapsed = time.GetElapsedTime(started);
            _state = new InterceptState("iptables", desired.Count, time.GetUtcNow(), elapsed, null);
            metrics.Sync(elapsed.TotalMilliseconds, desired.Count);
            logger.Synced(desired.Count, kind, elapsed.TotalMilliseconds);
        }
        catch (PluginMeshException ex)
        {
            // Next sync re-reads the real state instead of trusting our bookkeeping.
            _installed = false;
            _state = _state with { LastError = ex.Detail, LastSync = time.GetUtcNow(), LastSyncDuration = time.GetElapsedTime(started) };
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Checks that our chain, our rules and the jumps at position 1 are still there (someone may
    /// have flushed the table or a kube-proxy restart may have prepended its jump); false when a
    /// full install is needed, which the next sync then does.
    /// </summary>
    public async ValueTask<bool> VerifyAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_installed) return false;
            var saved = await SaveAsync(cancellationToken).ConfigureAwait(false);
            var ok = saved.ChainExists && saved.JumpsFirst && saved.JumpLines.Count == RuleRenderer.HookChains.Count &&
                     saved.Rules.Count == _applied.Count && saved.Rules.ToHashSet(StringComparer.Ordinal).SetEquals(_applied);
            if (!ok) _installed = false;
            return ok;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask RemoveAllAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var saved = await SaveAsync(cancellationToken).ConfigureAwait(false);
            if (saved.ChainExists || saved.JumpLines.Count > 0)
                await RestoreAsync(RuleRenderer.Uninstall(saved.JumpLines, saved.ChainExists), cancellationToken).ConfigureAwait(false);
            _installed = false;
            _applied = [];
            _state = _state with { Rules = 0 };
            metrics.Sync(0, 0);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads the nat table as iptables-save prints it.</summary>
    public async Task<SavedNatState> SaveAsync(CancellationToken cancellationToken)
    {
        var tools = await ToolsAsync(cancellationToken).ConfigureAwait(false);
        var r = await RunAsync(tools.Save, ["-t", "nat"], null, cancellationToken).ConfigureAwait(false);
        if (r.ExitCode != 0) throw new PluginMeshException("proxy.iptables", "read nat table", $"{tools.Save} exited {r.ExitCode}: {r.Stderr.Trim()}");
        return SavedNatState.Parse(r.Stdout);
    }

    private async Task RestoreAsync(string input, CancellationToken cancellationToken)
    {
        var tools = await ToolsAsync(cancellationToken).ConfigureAwait(false);
        // --noflush: only the chains we declare are touched; kube-proxy's rules stay as they are.
        var r = await RunAsync(tools.Restore, ["--noflush"], input, cancellationToken).ConfigureAwait(false);
        if (r.ExitCode != 0) throw new PluginMeshException("proxy.iptables", "apply rules", $"{tools.Restore} exited {r.ExitCode}: {r.Stderr.Trim()}");
    }

    private async Task<IptablesTools> ToolsAsync(CancellationToken cancellationToken) =>
        _tools ??= await BackendDetector.DetectAsync(runner, options.IptablesBinary, cancellationToken).ConfigureAwait(false);

    private async Task<CommandResult> RunAsync(string binary, IReadOnlyList<string> args, string? stdin, CancellationToken cancellationToken)
    {
        try
        {
            return await runner.RunAsync(binary, args, stdin, cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception ex)
        {
            throw new PluginMeshException("proxy.iptables", "run " + binary, ex.Message + " (install iptables or set iptablesBinary)", ex);
        }
    }
}
