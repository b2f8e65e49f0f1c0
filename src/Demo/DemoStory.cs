using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using PluginMesh.Demo.FakeApi;

namespace PluginMesh.Demo;

/// <summary>What <c>pluginmesh demo</c> was asked to do.</summary>
internal sealed record DemoOptions(int Requests, bool Keep, string? WorkDir, IReadOnlyList<string> PluginDirs, string PoliciesDir);

/// <summary>One line of the closing summary.</summary>
internal sealed record DemoStep(string Step, bool Ok, string Detail);

/// <summary>
/// The demo's story: two relays and two dial-only edge nodes on loopback, a service with a backend
/// on each edge, DNS, requests across nodes through relays, then one relay dies and traffic moves
/// to the other. The demo plays the cluster's Kubernetes API server (<see cref="FakeApiServer"/>):
/// every agent publishes itself on its Node and learns the others from theirs, so no agent names a
/// relay or a peer. Every fact shown is read from the agents' own admin endpoints.
/// </summary>
internal sealed class DemoStory(IDemoHost host, DemoOptions options, DemoNetwork network)
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan MeshTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(30);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<DemoStep> _steps = [];
    private readonly Dictionary<string, string> _peerIds = new(StringComparer.Ordinal);
    private string? _workDir;
    private FakeApiServer? _api;

    public IReadOnlyList<DemoStep> Steps => _steps;

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var ownDir = options.WorkDir is null;
        var workDir = options.WorkDir ?? Directory.CreateTempSubdirectory("pluginmesh-demo-").FullName;
        Directory.CreateDirectory(workDir);
        _workDir = workDir;
        var agents = new List<DemoAgent>();
        var backends = new List<DemoBackend>();
        var ok = false;
        try
        {
            Progress($"mesh on {network.Description}");
            try
            {
                await network.SetUpAsync(ct);
            }
            catch (DemoException ex)
            {
                Fail("set up the network", ex);
                PrintSummary();
                return 1;
            }
            try
            {
                ok = await PlayAsync(workDir, agents, backends, ct);
            }
            catch (DemoException ex)
            {
                ok = Fail("talk to the agents", ex);
            }
            PrintSummary();
            if (ok && options.Keep) await KeepRunningAsync(agents, ct);
            return ok ? 0 : 1;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await host.Out.WriteLineAsync("demo interrupted; stopping the agents");
            return ok ? 0 : 1;
        }
        finally
        {
            foreach (var backend in backends) await backend.DisposeAsync();
            await Task.WhenAll(agents.Select(a => a.DisposeAsync().AsTask()));
            if (_api is not null) await _api.DisposeAsync();
            await network.DisposeAsync();
            if (ok && ownDir) TryDelete(workDir);
            else await host.Out.WriteLineAsync($"agent configs and logs: {workDir}");
        }
    }

    private async Task<bool> PlayAsync(string workDir, List<DemoAgent> agents, List<DemoBackend> backends, CancellationToken ct)
    {
        var psk = Path.Combine(workDir, "swarm.key");
        DemoConfigs.WritePsk(psk);
        backends.AddRange(StartBackends(["edge-a", "edge-b"]));
        string[] nodes = ["relay-1", "relay-2", "edge-a", "edge-b"];
        Uri api;
        try
        {
            api = StartApi(nodes, backends);
        }
        catch (DemoException ex)
        {
            return Fail("serve the cluster's API", ex);
        }
        Progress($"serving the cluster's Kubernetes API at {api}: Nodes {string.Join(", ", nodes)} (no annotations: each agent publishes itself on its own), "
            + $"Service {DemoConfigs.Service}.{DemoConfigs.Namespace} (ClusterIP {DemoConfigs.ClusterIp}) with one endpoint on each edge node");

        Progress(network is NetnsDemoNetwork
            ? "starting relay-1 and relay-2 on the public segment (relay: auto - elected once AutoNAT finds them public; members = agents bound to their Node)"
            : "starting relay-1 and relay-2 on 127.0.0.1 (relay: auto - elected once AutoNAT finds them public; members = agents bound to their Node)");
        var relays = nodes[..2].Select(NewAgent).ToList();
        agents.AddRange(relays);
        for (var i = 0; i < relays.Count; i++) relays[i].Start(DemoConfigs.Relay(relays[i], psk, api, options.PoliciesDir, network.RelayTunnel(i)), options.PluginDirs);
        try
        {
            await Task.WhenAll(relays.Select(r => r.WaitReadyAsync(ReadyTimeout, ct)));
            foreach (var r in relays)
            {
                using var status = await r.StatusAsync(ct);
                _peerIds[status.RootElement.GetProperty("libp2p").GetProperty("peerId").GetString()!] = r.Name;
            }
        }
        catch (DemoException ex)
        {
            return Fail("start relays", ex);
        }

        Progress((network is NetnsDemoNetwork ? "starting edge-a and edge-b (each behind its own NAT router" : "starting edge-a and edge-b (dial-only: no listener, reachable only through the relays")
            + "; no relay in their configs: they learn the relays from the API)");
        var edges = nodes[2..].Select(NewAgent).ToList();
        agents.AddRange(edges);
        for (var i = 0; i < edges.Count; i++) edges[i].Start(DemoConfigs.Edge(edges[i], psk, api, options.PoliciesDir, network, i), options.PluginDirs);
        try
        {
            await Task.WhenAll(edges.Select(e => e.WaitReadyAsync(ReadyTimeout, ct)));
        }
        catch (DemoException ex)
        {
            return Fail("start edge nodes", ex);
        }
        Step("agents", true, $"4 agents ready in {Seconds()} (relay-1, relay-2, edge-a, edge-b; pids {string.Join(", ", agents.Select(a => a.Pid))})");

        Progress("waiting for the relays' election, reservations on both relays and the node directory to spread");
        var mesh = await WaitForMeshAsync(relays, edges, ct);
        if (mesh is null) return false;

        for (var i = 0; i < edges.Count; i++)
        {
            var server = network.DnsServer(i);
            var (answers, rcode) = await DnsProbe.QueryAsync(network.Socket(i, AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp), server, DemoConfigs.ServiceName, ct);
            var good = answers.Any(a => a.ToString() == DemoConfigs.ClusterIp);
            Step($"DNS on {edges[i].Name}", good, $"{DemoConfigs.ServiceName} → {(answers.Count > 0 ? string.Join(", ", answers) : rcode)} (asked {server})");
            if (!good) return false;
        }

        var ports = mesh.Value.ProxyPorts;
        if (!await RequestRoundAsync(edges, ports, "before", ct)) return false;
        // The relay that carried edge-a ↔ edge-b; it is the one to kill, so the failure hits a live path.
        var via = await RelayBetweenAsync(edges[0], edges[1], ct);
        if (network.CanHolePunch && !await AwaitHolePunchAsync(edges[0], edges[1], ct)) return false;

        var victim = relays.FirstOrDefault(r => r.Name == via) ?? relays[0];
        var survivor = relays.First(r => r != victim);
        Progress($"killing {victim.Name} (SIGKILL: its machine is gone)");
        await victim.KillAsync();
        var killed = Stopwatch.StartNew();
        Step($"stop {victim.Name}", true, $"{victim.Name} killed with SIGKILL" + (via is null ? "" : " (it carried edge-a ↔ edge-b)"));

        var (recovered, failures, attempts) = await AwaitRecoveryAsync(ports[0], "edge-b", killed, ct);
        var (pathAfter, viaAfter) = await PathAsync(edges[0], edges[1], ct);
        Step("recovery", recovered is not null,
            recovered is { } t
                ? $"edge-b answered edge-a again {t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s after the kill, {Describe(pathAfter, viaAfter)}; {failures} of {attempts} requests failed meanwhile"
                : $"edge-b did not answer edge-a within {RecoveryTimeout.TotalSeconds:0} s ({failures} of {attempts} requests failed)");
        if (recovered is null) return false;

        if (!await RequestRoundAsync(edges, ports, "after", ct)) return false;
        using (var status = await survivor.StatusAsync(ct))
        {
            var hop = status.RootElement.GetProperty("relay").GetProperty("hop");
            var bytes = hop.GetProperty("bytes").GetInt64();
            // Through NATs the edges end up hole-punched, so the surviving relay rightly carries nothing.
            var (pathNow, _) = await PathAsync(edges[0], edges[1], ct);
            var expected = pathNow == "relayed";
            Step($"{survivor.Name} hop service", bytes > 0 || !expected,
                $"{hop.GetProperty("reservations").GetInt32()} reservations, {hop.GetProperty("circuits").GetInt32()} open circuits, {bytes:N0} bytes bridged"
                + (expected ? "" : $" (edge-a ↔ edge-b is {pathNow}, so no traffic needs it)"));
            if (bytes == 0 && expected) return false;
        }
        var rss = agents.Where(a => a.Running).Select(a => (a.Name, Mib: a.ResidentMib())).Where(r => r.Mib is not null).ToList();
        if (rss.Count > 0) Step("memory", true, string.Join(", ", rss.Select(r => $"{r.Name} {r.Mib!.Value.ToString("0", CultureInfo.InvariantCulture)} MiB")) + " resident");
        return true;
    }

    /// <summary>Starts the cluster's API server where the network says; returns its URL for the agents.</summary>
    private Uri StartApi(IReadOnlyList<string> nodes, IReadOnlyList<DemoBackend> backends)
    {
        try
        {
            _api = new FakeApiServer(DemoConfigs.Cluster(nodes, network.NodeAddress, backends), network.ApiAddress, network.ApiSocket);
            _api.Start(0);
            return _api.Url;
        }
        catch (SocketException ex)
        {
            throw new DemoException($"cannot serve the cluster's API on {network.ApiAddress}: {ex.Message}", null);
        }
    }

    /// <summary>Two backends on the same port, one per edge node, on their own loopback addresses (their "pod IPs").</summary>
    private List<DemoBackend> StartBackends(string[] nodes)
    {
        for (var attempt = 0; ; attempt++)
        {
            var started = new List<DemoBackend>();
            try
            {
                started.Add(new DemoBackend(nodes[0], NewTcpSocket(0), network.Backend(0, 0)));
                for (var i = 1; i < nodes.Length; i++)
                    started.Add(new DemoBackend(nodes[i], NewTcpSocket(i), network.Backend(i, started[0].EndPoint.Port)));
                return started;
            }
            catch (SocketException) when (attempt < 20)
            {
                foreach (var b in started) b.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
    }

    private async Task<(int[] ProxyPorts, bool Ok)?> WaitForMeshAsync(List<DemoAgent> relays, List<DemoAgent> edges, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        string lastProblem = "";
        while (deadline.Elapsed < MeshTimeout)
        {
            var ports = new int[edges.Count];
            var details = new List<string>();
            lastProblem = "";
            var elected = new List<string>();
            foreach (var relay in relays)
            {
                using var status = await relay.StatusAsync(ct);
                var hop = status.RootElement.GetProperty("relay").GetProperty("hop");
                if (!hop.GetProperty("offered").GetBoolean() || !hop.TryGetProperty("election", out var election) || election.ValueKind != JsonValueKind.Object)
                {
                    lastProblem = $"{relay.Name} is not elected yet";
                    break;
                }
                elected.Add($"{relay.Name} by {election.GetProperty("cause").GetString()}");
            }
            if (lastProblem.Length == 0) details.Add($"elected {string.Join(", ", elected)}");
            for (var i = 0; i < edges.Count && lastProblem.Length == 0; i++)
            {
                using var status = await edges[i].StatusAsync(ct);
                var root = status.RootElement;
                var peerId = root.GetProperty("libp2p").GetProperty("peerId").GetString()!;
                _peerIds[peerId] = edges[i].Name;
                var relay = root.GetProperty("relay");
                var reservedIds = relay.GetProperty("reservations").EnumerateArray().Select(r => r.GetProperty("relay").GetString() ?? "").ToList();
                var reserved = reservedIds.Select(NameOf).ToList();
                // Where autorelay found each relay it holds (directory, api, mdns; config would mean a configured list).
                var sources = relay.GetProperty("candidates").EnumerateArray()
                    .Where(c => reservedIds.Contains(c.GetProperty("peerId").GetString() ?? ""))
                    .Select(c => c.GetProperty("source").GetString() ?? "?").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                var other = edges[1 - i].Name;
                var record = root.GetProperty("directory").GetProperty("records").EnumerateArray()
                    .FirstOrDefault(r => r.GetProperty("node").GetString() == other && r.GetProperty("chosen").GetBoolean());
                ports[i] = ProxyPort(root) ?? 0;
                if (reserved.Count < 2) lastProblem = $"{edges[i].Name} holds {reserved.Count} of 2 reservations";
                else if (sources.Count == 0 || sources.Contains("config")) lastProblem = $"{edges[i].Name} holds reservations on relays it did not discover (candidate sources: {string.Join(", ", sources)})";
                else if (record.ValueKind == JsonValueKind.Undefined) lastProblem = $"{edges[i].Name} has no directory record for {other} yet";
                else if (record.GetProperty("relayAddresses").GetArrayLength() < 2) lastProblem = $"{edges[i].Name} knows {other} at {record.GetProperty("relayAddresses").GetArrayLength()} of 2 relay addresses";
                else if (ports[i] == 0) lastProblem = $"{edges[i].Name} has no proxy listener for {DemoConfigs.Service}.{DemoConfigs.Namespace}:80 yet";
                else details.Add($"{edges[i].Name} reserved on {string.Join(" + ", reserved.Order(StringComparer.Ordinal))} (found through {string.Join(" + ", sources)}), knows {other} at {record.GetProperty("relayAddresses").GetArrayLength()} relay addresses and {record.GetProperty("directAddresses").GetArrayLength()} direct ones");
            }
            if (lastProblem.Length == 0)
            {
                Step("relays + directory", true, string.Join("; ", details) + $" ({Seconds()})");
                Step("proxy", true, string.Join("; ", edges.Select((e, i) => $"{e.Name}: {DemoConfigs.Service}.{DemoConfigs.Namespace}:80 at {network.ServiceTarget(i, ports[i])}"))
                    + (network is NetnsDemoNetwork ? " (ClusterIP intercepted by iptables in each node's namespace)" : " (listen mode: no root, no iptables)"));
                return (ports, true);
            }
            await Task.Delay(200, ct);
        }
        Step("relays + directory", false, $"not ready after {MeshTimeout.TotalSeconds:0} s: {lastProblem}");
        return null;
    }

    private static int? ProxyPort(JsonElement root)
    {
        if (!root.TryGetProperty("proxy", out var proxy)) return null;
        foreach (var service in proxy.GetProperty("services").EnumerateArray())
        {
            if (service.GetProperty("service").GetString() != $"{DemoConfigs.Namespace}/{DemoConfigs.Service}") continue;
            foreach (var port in service.GetProperty("ports").EnumerateArray())
                if (port.GetProperty("port").GetInt32() == 80 && port.GetProperty("listenPort").ValueKind == JsonValueKind.Number) return port.GetProperty("listenPort").GetInt32();
        }
        return null;
    }

    /// <summary>N requests from each edge through its own proxy; counts which node answered and how the remote one was reached.</summary>
    private async Task<bool> RequestRoundAsync(List<DemoAgent> edges, int[] ports, string phase, CancellationToken ct)
    {
        Progress($"sending {options.Requests} requests from each edge node to {DemoConfigs.Service}.{DemoConfigs.Namespace} ({phase} the relay failure)");
        ct.ThrowIfCancellationRequested();
        var allOk = true;
        for (var i = 0; i < edges.Count; i++)
        {
            var served = new Dictionary<string, int>(StringComparer.Ordinal);
            var errors = new List<string>();
            for (var n = 0; n < options.Requests; n++)
            {
                try
                {
                    var node = await DemoBackend.RequestAsync(NewTcpSocket(i), network.ServiceTarget(i, ports[i]), $"{DemoConfigs.Service}.{DemoConfigs.Namespace}", TimeSpan.FromSeconds(10), ct);
                    served[node] = served.GetValueOrDefault(node) + 1;
                }
                catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException && !ct.IsCancellationRequested)
                {
                    errors.Add(ex.Message);
                }
            }
            var other = edges[1 - i];
            var (path, via) = await PathAsync(edges[i], other, ct);
            var ok = errors.Count == 0 && served.GetValueOrDefault(edges[i].Name) > 0 && served.GetValueOrDefault(other.Name) > 0;
            allOk &= ok;
            var parts = served.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => $"{p.Value} on {p.Key} ({(p.Key == edges[i].Name ? "local" : Describe(path, via))})");
            Step($"requests from {edges[i].Name} ({phase})", ok,
                $"{options.Requests - errors.Count}/{options.Requests} answered: {string.Join(", ", parts)}" + (errors.Count > 0 ? $"; first error: {errors[0]}" : ""));
        }
        return allOk;
    }

    /// <summary>Requests from edge-a every 50 ms until <paramref name="node"/>'s backend answers again.</summary>
    private async Task<(TimeSpan? Recovered, int Failures, int Attempts)> AwaitRecoveryAsync(int proxyPort, string node, Stopwatch since, CancellationToken ct)
    {
        var failures = 0;
        var attempts = 0;
        while (since.Elapsed < RecoveryTimeout)
        {
            attempts++;
            try
            {
                var served = await DemoBackend.RequestAsync(NewTcpSocket(0), network.ServiceTarget(0, proxyPort), $"{DemoConfigs.Service}.{DemoConfigs.Namespace}", TimeSpan.FromSeconds(5), ct);
                if (served == node) return (since.Elapsed, failures, attempts);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                failures++;
            }
            await Task.Delay(50, ct);
        }
        return (null, failures, attempts);
    }

    /// <summary>How <paramref name="from"/> reaches <paramref name="to"/> now: its best live connection's path and relay.</summary>
    private async Task<(string Path, string? Via)> PathAsync(DemoAgent from, DemoAgent to, CancellationToken ct)
    {
        using var status = await from.StatusAsync(ct);
        var connections = ConnectionsTo(status, to)
            .Select(c => (Path: c.GetProperty("path").GetString() ?? "?", Address: c.GetProperty("address").GetString() ?? ""))
            .OrderBy(c => c.Path switch { "direct" => 0, "hole-punched" => 1, _ => 2 })
            .ToList();
        if (connections.Count == 0) return ("not connected", null);
        var best = connections[0];
        return (best.Path, best.Path == "relayed" ? RelayIn(best.Address) : null);
    }

    /// <summary>The live connections in <paramref name="status"/> (one agent's /status) to agent <paramref name="to"/>.</summary>
    private IEnumerable<JsonElement> ConnectionsTo(JsonDocument status, DemoAgent to)
    {
        var target = _peerIds.FirstOrDefault(p => p.Value == to.Name).Key;
        return status.RootElement.GetProperty("peers").GetProperty("connections").EnumerateArray()
            .Where(c => c.GetProperty("peerId").GetString() == target);
    }

    /// <summary>The relay of a relayed connection between the two, if there is one.</summary>
    private async Task<string?> RelayBetweenAsync(DemoAgent from, DemoAgent to, CancellationToken ct)
    {
        using var status = await from.StatusAsync(ct);
        return ConnectionsTo(status, to)
            .Where(c => c.GetProperty("path").GetString() == "relayed")
            .Select(c => RelayIn(c.GetProperty("address").GetString() ?? ""))
            .FirstOrDefault(r => r is not null);
    }

    /// <summary>Waits for DCUtR to give edge-a a hole-punched connection to edge-b.</summary>
    private async Task<bool> AwaitHolePunchAsync(DemoAgent from, DemoAgent to, CancellationToken ct)
    {
        Progress("waiting for the relayed connection to be upgraded by hole punching (DCUtR)");
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            using var status = await from.StatusAsync(ct);
            var punched = ConnectionsTo(status, to).FirstOrDefault(c => c.GetProperty("path").GetString() == "hole-punched");
            if (punched.ValueKind != JsonValueKind.Undefined)
            {
                var counts = new List<string>();
                foreach (var agent in new[] { from, to })
                {
                    using var s = await agent.StatusAsync(ct);
                    var punch = s.RootElement.GetProperty("libp2p").GetProperty("holePunch");
                    counts.Add($"{agent.Name} {punch.GetProperty("successes")}/{punch.GetProperty("attempts")}");
                }
                Step("hole punch", true, $"{from.Name} → {to.Name} direct at {punched.GetProperty("address").GetString()} through both NATs{(waited.Elapsed.TotalSeconds < 0.5 ? " (upgraded while the requests ran)" : $", {waited.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s after the requests")}"
                    + $" (DCUtR successes/attempts started: {string.Join(", ", counts)}); the relayed connection stays as fallback");
                return true;
            }
            await Task.Delay(200, ct);
        }
        Step("hole punch", false, $"{from.Name} ↔ {to.Name} still relayed after {waited.Elapsed.TotalSeconds:0} s (see the agents' logs for DCUtR)");
        return false;
    }

    private DemoAgent NewAgent(string name) => new(name, _workDir!, network.Admin(name, _workDir!), network.Launcher(name), host);

    private Socket NewTcpSocket(int edge) => network.Socket(edge, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    private string? RelayIn(string address)
    {
        var at = address.IndexOf("/p2p-circuit", StringComparison.Ordinal);
        if (at < 0) return null;
        var p2p = address.LastIndexOf("/p2p/", at, StringComparison.Ordinal);
        return p2p < 0 ? null : NameOf(address[(p2p + 5)..at]);
    }

    private string NameOf(string? peerIdOrAddress)
    {
        if (peerIdOrAddress is null) return "?";
        foreach (var (peerId, name) in _peerIds)
            if (peerIdOrAddress.Contains(peerId, StringComparison.Ordinal)) return name;
        return peerIdOrAddress;
    }

    private static string Describe(string path, string? via) => via is null ? path : $"{path} via {via}";

    private async Task KeepRunningAsync(List<DemoAgent> agents, CancellationToken ct)
    {
        await host.Out.WriteLineAsync();
        await host.Out.WriteLineAsync("--keep: the mesh keeps running until Ctrl-C. Look at it with:");
        foreach (var a in agents.Where(a => a.Running))
            await host.Out.WriteLineAsync($"  pluginmesh status --admin {a.Admin}    # {a.Name} (config {a.ConfigFile}, log {a.LogFile})");
        await host.Out.WriteLineAsync($"  pluginmesh peers --admin {agents.First(a => a.Name == "edge-a").Admin}");
        await Task.Delay(Timeout.Infinite, ct);
    }

    private bool Fail(string step, DemoException ex)
    {
        Step(step, false, ex.Message + (ex.Agent is { } a ? $"\n  last lines of {a.LogFile}:\n{a.LogTail()}" : ""));
        return false;
    }

    private void Step(string step, bool ok, string detail)
    {
        _steps.Add(new DemoStep(step, ok, detail));
        Progress($"{(ok ? "ok  " : "FAIL")} {step}: {detail}");
    }

    private void Progress(string message) =>
        host.Out.WriteLine($"[{_clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture),5}s] {message}");

    private string Seconds() => _clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    private void PrintSummary()
    {
        host.Out.WriteLine();
        host.Out.WriteLine(host.Table(["STEP", "RESULT", "DETAIL"], [.. _steps.Select(s => new[] { s.Step, s.Ok ? "ok" : "FAILED", s.Detail.Split('\n')[0] })]));
        var failed = _steps.Count(s => !s.Ok);
        host.Out.WriteLine();
        host.Out.WriteLine(failed == 0
            ? $"demo passed in {Seconds()}: DNS answered, requests crossed nodes through relays, and traffic recovered after a relay died."
            : $"demo FAILED ({failed} step(s)) after {Seconds()}.");
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
