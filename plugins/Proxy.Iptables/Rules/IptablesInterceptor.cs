namespace PluginMesh.Plugins.Proxy.Iptables.Rules;

/// <summary>
/// <see cref="ITrafficInterceptor"/> on the nat table, IPv4 (iptables) and IPv6 (ip6tables, the same
/// backend) each with its own chain and jumps: every change is one <c>*-restore --noflush</c> batch per
/// family; small changes delete/append single rules, big ones rewrite our chain. IPv6 never holds IPv4
/// back: a node whose ip6tables cannot be used (no IPv6, no ip6tables nat) keeps its IPv4 rules, and
/// the IPv6 failure is reported (<see cref="Ipv6Error"/>, logged once per distinct error).
/// </summary>
public sealed class IptablesInterceptor(ProxyOptions options, CommandRunner runner, ProxyMetrics metrics, TimeProvider time, ILogger logger)
    : ITrafficInterceptor
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Table _v4 = new("");
    private readonly Table _v6 = new("IPv6 ");
    private volatile InterceptState _state = new("iptables", 0, null, null, null);
    private string? _loggedIpv6Error;

    /// <inheritdoc />
    public InterceptState State => _state;

    /// <summary>The IPv4 tools in use, once detected.</summary>
    public IptablesTools? Tools => _v4.Tools;

    /// <summary>The IPv6 tools in use (the IPv4 tools' <c>ip6tables</c> counterpart), once detected.</summary>
    public IptablesTools? Ipv6Tools => _v6.Tools;

    /// <summary>IPv6 rules applied (also counted in <see cref="State"/>'s total).</summary>
    public int Ipv6Rules => _v6.Applied.Count;

    /// <summary>Why the IPv6 rules could not be applied at the last sync, or null.</summary>
    public string? Ipv6Error { get; private set; }

    /// <summary>How the last sync was applied: <c>install</c>, <c>rewrite</c>, <c>incremental</c> or <c>none</c> (IPv4's, else IPv6's when IPv4 had nothing to do).</summary>
    public string LastSyncKind { get; private set; } = "none";

    /// <inheritdoc />
    public async ValueTask SyncAsync(IReadOnlyList<InterceptRule> rules, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rules);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var started = time.GetTimestamp();
        try
        {
            var kind = await SyncTableAsync(_v4, Specs(rules, AddressFamily.InterNetwork), cancellationToken).ConfigureAwait(false);
            var kind6 = await SyncIpv6Async(Specs(rules, AddressFamily.InterNetworkV6), cancellationToken).ConfigureAwait(false);
            LastSyncKind = kind == "none" ? kind6 : kind;
            var count = _v4.Applied.Count + _v6.Applied.Count;
            var elapsed = time.GetElapsedTime(started);
            _state = new InterceptState("iptables", count, time.GetUtcNow(), elapsed, null);
            metrics.Sync(elapsed.TotalMilliseconds, count);
            logger.Synced(count, LastSyncKind, elapsed.TotalMilliseconds);
        }
        catch (PluginMeshException ex)
        {
            _state = _state with { LastError = ex.Detail, LastSync = time.GetUtcNow(), LastSyncDuration = time.GetElapsedTime(started) };
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    // One family's rule specs, deduplicated, in the order given.
    private static List<string> Specs(IReadOnlyList<InterceptRule> rules, AddressFamily family)
    {
        var desired = new List<string>(rules.Count);
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in rules)
        {
            if (r.ServiceIp.AddressFamily != family) continue;
            var spec = RuleRenderer.Spec(r);
            if (set.Add(spec)) desired.Add(spec);
        }
        return desired;
    }

    // IPv6 is tried when there are IPv6 rules to apply or to remove, and once at the first sync (to
    // replace what a crashed run left); a node where it fails while nothing IPv6 is wanted is not asked again.
    private async Task<string> SyncIpv6Async(List<string> desired, CancellationToken cancellationToken)
    {
        if (desired.Count == 0 && !_v6.Installed && _v6.Tried) return "none";
        _v6.Tried = true;
        try
        {
            var kind = await SyncTableAsync(_v6, desired, cancellationToken).ConfigureAwait(false);
            Ipv6Error = null;
            _loggedIpv6Error = null;
            return kind;
        }
        catch (PluginMeshException ex)
        {
            // Nothing IPv6 wanted (an IPv4-only node): not an error, only noted.
            if (desired.Count == 0)
            {
                Ipv6Error = null;
                logger.Ipv6Unusable(ex.Detail);
                return "none";
            }
            Ipv6Error = ex.Detail;
            if (_loggedIpv6Error != ex.Detail)
            {
                _loggedIpv6Error = ex.Detail;
                logger.Ipv6RulesFailed(desired.Count, ex.Detail);
            }
            return "none";
        }
    }

    private async Task<string> SyncTableAsync(Table table, List<string> desired, CancellationToken cancellationToken)
    {
        try
        {
            string kind;
            string? input;
            if (!table.Installed)
            {
                // First sync (or after a failure): whatever a crashed run left is replaced wholesale.
                var saved = await SaveAsync(table, cancellationToken).ConfigureAwait(false);
                if (saved.ChainExists || saved.JumpLines.Count > 0) logger.LeftoversRepaired();
                input = RuleRenderer.Install(saved.JumpLines, desired);
                kind = "install";
            }
            else
            {
                var set = desired.ToHashSet(StringComparer.Ordinal);
                var applied = new HashSet<string>(table.Applied, StringComparer.Ordinal);
                var remove = table.Applied.Where(s => !set.Contains(s)).ToList();
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

            if (input is not null) await RestoreAsync(table, input, cancellationToken).ConfigureAwait(false);
            table.Installed = true;
            table.Applied = desired;
            return kind;
        }
        catch (PluginMeshException)
        {
            // Next sync re-reads the real state instead of trusting our bookkeeping.
            table.Installed = false;
            throw;
        }
    }

    /// <summary>
    /// Checks that our chain, our rules and the jumps at position 1 are still there, for each family
    /// in use (someone may have flushed the table or a kube-proxy restart may have prepended its jump);
    /// false when a full install is needed, which the next sync then does.
    /// </summary>
    public async ValueTask<bool> VerifyAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_v4.Installed) return false;
            if (!await VerifyTableAsync(_v4, cancellationToken).ConfigureAwait(false)) return false;
            if (_v6.Installed)
            {
                try
                {
                    return await VerifyTableAsync(_v6, cancellationToken).ConfigureAwait(false);
                }
                catch (PluginMeshException)
                {
                    _v6.Installed = false;
                    return false;
                }
            }
            // IPv6 rules wanted but not applied (ip6tables failed): try again at the next sync.
            return Ipv6Error is null;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<bool> VerifyTableAsync(Table table, CancellationToken cancellationToken)
    {
        var saved = await SaveAsync(table, cancellationToken).ConfigureAwait(false);
        var ok = saved.ChainExists && saved.JumpsFirst && saved.JumpLines.Count == RuleRenderer.HookChains.Count &&
                 saved.Rules.Count == table.Applied.Count && saved.Rules.ToHashSet(StringComparer.Ordinal).SetEquals(table.Applied);
        if (!ok) table.Installed = false;
        return ok;
    }

    /// <inheritdoc />
    public async ValueTask RemoveAllAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_v6.Installed)
            {
                try
                {
                    await RemoveTableAsync(_v6, cancellationToken).ConfigureAwait(false);
                }
                catch (PluginMeshException ex)
                {
                    // IPv4 is removed all the same; the next start replaces what is left.
                    logger.Ipv6RulesFailed(_v6.Applied.Count, ex.Detail);
                }
            }
            await RemoveTableAsync(_v4, cancellationToken).ConfigureAwait(false);
            _state = _state with { Rules = 0 };
            metrics.Sync(0, 0);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RemoveTableAsync(Table table, CancellationToken cancellationToken)
    {
        var saved = await SaveAsync(table, cancellationToken).ConfigureAwait(false);
        if (saved.ChainExists || saved.JumpLines.Count > 0)
            await RestoreAsync(table, RuleRenderer.Uninstall(saved.JumpLines, saved.ChainExists), cancellationToken).ConfigureAwait(false);
        table.Installed = false;
        table.Applied = [];
    }

    /// <summary>The IPv4 tools, or their IPv6 counterpart, detected on first use (what <see cref="ClientSourceRouting"/> writes its mangle rules with).</summary>
    public Task<IptablesTools> DetectToolsAsync(bool ipv6, CancellationToken cancellationToken) => ToolsAsync(ipv6 ? _v6 : _v4, cancellationToken);

    /// <summary>Reads the IPv4 nat table as iptables-save prints it.</summary>
    public Task<SavedNatState> SaveAsync(CancellationToken cancellationToken) => SaveAsync(_v4, cancellationToken);

    private async Task<SavedNatState> SaveAsync(Table table, CancellationToken cancellationToken)
    {
        var tools = await ToolsAsync(table, cancellationToken).ConfigureAwait(false);
        var r = await runner.RunCheckedAsync($"read {table.Name}nat table", tools.Save, ["-t", "nat"], null, cancellationToken).ConfigureAwait(false);
        return SavedNatState.Parse(r.Stdout);
    }

    private async Task RestoreAsync(Table table, string input, CancellationToken cancellationToken)
    {
        var tools = await ToolsAsync(table, cancellationToken).ConfigureAwait(false);
        // --noflush: only the chains we declare are touched; kube-proxy's rules stay as they are.
        await runner.RunCheckedAsync($"apply {table.Name}rules", tools.Restore, ["--noflush"], input, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IptablesTools> ToolsAsync(Table table, CancellationToken cancellationToken)
    {
        _v4.Tools ??= await BackendDetector.DetectAsync(runner, options.IptablesBinary, cancellationToken).ConfigureAwait(false);
        if (table == _v4) return _v4.Tools;
        return _v6.Tools ??= _v4.Tools.Ipv6() ?? throw new PluginMeshException("proxy.iptables", "find ip6tables",
            $"iptablesBinary '{_v4.Tools.Binary}' is not named iptables*, so its ip6tables counterpart is unknown");
    }

    // One family's nat table: its tools, what we applied, whether our chain and jumps are in place.
    // Name: how errors name it ("" for IPv4, as before there was IPv6; "IPv6 ").
    private sealed class Table(string name)
    {
        public string Name { get; } = name;

        public IptablesTools? Tools { get; set; }

        public List<string> Applied { get; set; } = [];

        public bool Installed { get; set; }

        /// <summary>Asked at least once (IPv6 only: it is not asked again after a failure while nothing IPv6 is wanted).</summary>
        public bool Tried { get; set; }
    }
}
