using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using PluginMesh.Mesh.E2E.Tests.Support;
using PluginMesh.Demo.FakeApi;
using Xunit.Abstractions;

namespace PluginMesh.Mesh.E2E.Tests;

/// <summary>
/// Issue 13's flagship: the mesh forms by itself. Six agents, real processes, each on nothing but the
/// Helm chart's default configuration (rendered from deploy/helm/pluginmesh, <see cref="ChartInstall"/>)
/// plus its node name, its data directory, the API's address and the PSK the chart generated.
/// Nobody configures a relay, a peer or a key by hand. Topology (every namespace, veth, bridge and
/// rule made by the test and deleted after it):
/// <code>
///   node-a1 10.1.0.11 ─┐                                       ┌─ node-p1 203.0.114.11
///   node-a2 10.1.0.12 ─┼─ [ra NAT] 203.0.114.21 ─┐             ├─ node-p2 203.0.114.12
///   node-a3 10.1.0.13 ─┘  (started later)        ├─ br0 (pub) ─┤
///   node-b1 10.2.0.11 ─┬─ [rb NAT] 203.0.114.22 ─┘             └─ api 203.0.114.200 (fake Kubernetes API)
///   node-b2 10.2.0.12 ─┘
/// </code>
/// Both routers are Linux MASQUERADE NATs that drop unsolicited inbound connections
/// (<c>INPUT -i wan … --ctstate NEW -j DROP</c>), as home routers do. ra maps endpoint-independently
/// (port-preserving), so it can be hole-punched; rb randomises its ports (<c>--random-fully</c>, as
/// carrier-grade NATs do), so traffic between the two LANs stays on a relay — the relay the test kills.
/// The public side is on 203.0.114.0/24, one past TEST-NET-3: the defaults count TEST-NETs as private,
/// and AutoNAT (which must find p1 and p2 public, or nobody is elected) never dials back a private address.
/// Each node has a backend (a line server on 10.244.N.10:8080, an address on its loopback) behind the
/// one Service web (ClusterIP 10.96.0.10:80); clients connect from the node's namespace, through the
/// agent's iptables rules. Timings go to the test output (<c>--logger "console;verbosity=detailed"</c>).
/// </summary>
[Trait("Category", "E2E")]
[Collection(E2ECollection.Name)]
public sealed class MeshFormsItselfTests(ITestOutputHelper output)
{
    private const int ToleranceSeconds = 20;
    private static readonly IPEndPoint Web = new(IPAddress.Parse("10.96.0.10"), 80);
    private const string ApiAddress = "203.0.114.200";
    private readonly List<string> _exceeded = [];

    [Fact]
    public async Task SixAgentsOnChartDefaults_MeshWithin60s_RelayKilledRecoversWithin5s_SeventhJoins_ThenOfflineCacheAndToleranceWindow()
    {
        using var lab = new NetnsLab("pmmesh-");
        var root = Path.Combine(Path.GetTempPath(), "pmmesh-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(root);
        var nodes = Topology(lab);
        var agents = new Dictionary<string, AgentProcess>(StringComparer.Ordinal);
        try
        {
            var cluster = new FakeCluster();
            var edges = nodes.Where(n => n.Lan != "api").ToList();
            foreach (var n in edges.Where(n => n.Name != "node-a3")) cluster.Apply(FakeCluster.Nodes, NodeObject(n));
            cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web", Web.Address.ToString()));
            cluster.Apply(FakeCluster.EndpointSlices, Endpoints(edges.Where(n => n.Name != "node-a3")));
            var apiSockets = lab.SocketsIn(nodes.Single(n => n.Name == "api").Ns);
            await using var server = new FakeApiServer(cluster, IPAddress.Parse(ApiAddress), () => apiSockets.Tcp());
            server.Start(0);

            var chart = new ChartInstall(root);
            foreach (var n in edges)
            {
                lab.Own(new LineBackend(lab.SocketsIn(n.Pod), new IPEndPoint(n.Backend, 8080), Backend(n.Name)));
                agents[n.Name] = lab.Own(chart.Agent(n.Ns, n.Name, Path.Combine(root, n.Name), $"http://{ApiAddress}:{server.Port}"));
            }
            var first = edges.Where(n => n.Name != "node-a3").Select(n => n.Name).ToList();

            // 1. The mesh forms: every edge agent reaches a backend on every other edge node through the ClusterIP.
            var sw = Stopwatch.StartNew();
            foreach (var name in first) agents[name].Start();
            var meshed = await Task.WhenAll(first.Select(c => ReachAsync(lab, agents, c, first, TimeSpan.FromSeconds(120), sw)));
            var timeToMesh = meshed.Max();
            output.WriteLine($"mesh formed: every agent reached every other node's backend {timeToMesh / 1000:0.0} s after start (per agent: {Join(first, meshed)})");
            var tunnelsUp = first.Select(n => agents[n].LoggedAt("Plugin tunnel.libp2p", "running") ?? double.NaN).ToArray();
            output.WriteLine($"(start-up share: the last agent's tunnel was up {tunnelsUp.Max() / 1000:0.0} s after start; per agent: {Join(first, tunnelsUp)})");
            var ids = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var name in first) ids[name] = (await StatusOf(agents[name])).GetProperty("libp2p").GetProperty("peerId").GetString()!;
            await PrintElectionAsync(agents, first);
            await PrintAddressesAsync(agents["node-a1"], "node-p1");
            Bound(timeToMesh <= 60_000, $"the mesh formed only {timeToMesh / 1000:0.0} s after start (bound 60 s)");
            foreach (var name in first) Assert.Equal("iptables", (await StatusOf(agents[name])).GetProperty("proxy").GetProperty("mode").GetString());
            // Relays elected by the agents: the two public ones offer the hop, the private ones do not, and every private agent reserved on both.
            foreach (var name in first)
            {
                var s = await StatusOf(agents[name]);
                var offered = s.GetProperty("relay").GetProperty("hop").GetProperty("offered").GetBoolean();
                Assert.True(offered == name.StartsWith("node-p", StringComparison.Ordinal), $"{name}: hop offered {offered}; {s.GetProperty("relay").GetProperty("hop")}");
            }
            // (A reservation can trail the mesh by a retry: a relay first reached through the other relay refuses
            // RESERVE over that relayed connection, and the client dials it directly next.)
            var reserved = await Task.WhenAll(first.Where(n => !n.StartsWith("node-p", StringComparison.Ordinal)).Select(async name =>
            {
                await agents[name].WaitStatusAsync(s => Reservations(s) is var held && held.Contains(ids["node-p1"]) && held.Contains(ids["node-p2"]),
                    TimeSpan.FromSeconds(30), "reservations on both elected relays");
                return sw.Elapsed.TotalMilliseconds;
            }));
            output.WriteLine($"every private agent holds reservations on both elected relays {reserved.Max() / 1000:0.0} s after start");

            // 2. SIGKILL of the relay that carries traffic between the two LANs.
            var carried = await RelayedConnectionsAsync(agents, first);
            output.WriteLine("relayed connections: " + string.Join("; ", carried.Select(c => $"{c.From} → {c.To} via {Name(ids, c.Relay)}")));
            Assert.True(carried.Count > 0, "no connection between the LANs is relayed (rb randomises its ports; the two LANs cannot punch through it)");
            var victim = Name(ids, carried.GroupBy(c => c.Relay).OrderByDescending(g => g.Count()).First().Key);
            var survivor = victim == "node-p1" ? "node-p2" : "node-p1";
            var living = first.Where(n => n != victim).ToList();
            sw.Restart();
            // PLUGINMESH_E2E_FREEZE=1: the relay is frozen (SIGSTOP) instead, its sockets left open — a node
            // that hangs or a link that dies silently. A manual experiment: the 5 s bound is the kill's.
            var freeze = Environment.GetEnvironmentVariable("PLUGINMESH_E2E_FREEZE") == "1";
            if (freeze) agents[victim].Freeze();
            else agents[victim].Kill();
            var recovered = await Task.WhenAll(living.Select(c => ReachAsync(lab, agents, c, living, TimeSpan.FromSeconds(30), sw)));
            output.WriteLine($"relay {victim} SIGKILLed: every agent reached every other living node's backend again {recovered.Max():0} ms later (per agent: {Join(living, recovered)})");
            var after = await RelayedConnectionsAsync(agents, living);
            output.WriteLine("relayed connections now: " + string.Join("; ", after.Select(c => $"{c.From} → {c.To} via {Name(ids, c.Relay)}")));
            // PLUGINMESH_E2E_DUMP=<dir>: every agent's log written there after the recovery (with
            // PLUGINMESH_E2E_LOGLEVEL=Debug, each path tried and each policy answer), to read where the time went.
            if (Environment.GetEnvironmentVariable("PLUGINMESH_E2E_DUMP") is { } dumpDir)
            {
                Directory.CreateDirectory(dumpDir);
                File.WriteAllText(Path.Combine(dumpDir, "kill.txt"), $"{victim} killed; recovered {recovered.Max():0} ms\n");
                foreach (var (n, a) in agents) File.WriteAllLines(Path.Combine(dumpDir, n + ".log"), a.Log);
            }
            if (freeze) output.WriteLine($"(relay frozen, not killed: recovered {recovered.Max():0} ms later; the 5 s bound is not applied)");
            else Bound(recovered.Max() <= 5_000, $"requests recovered only {recovered.Max():0} ms after the relay was killed (bound 5 s)");
            Assert.Contains(after, c => c.Relay == ids[survivor]);
            Assert.DoesNotContain(after, c => c.Relay == ids[victim]);

            // The dead relay's node comes back (its agent restarted) before the seventh arrives.
            if (freeze) agents[victim].Kill();
            sw.Restart();
            agents[victim].Start();
            var back = await Task.WhenAll(first.Select(c => ReachAsync(lab, agents, c, first, TimeSpan.FromSeconds(90), sw)));
            output.WriteLine($"{victim} restarted: mesh whole again {back.Max():0} ms after its start");

            // 3. A seventh agent, on LAN a, started later: its Node registers, its agent starts, its pod's endpoint becomes ready.
            cluster.Apply(FakeCluster.Nodes, NodeObject(nodes.Single(n => n.Name == "node-a3")));
            var all = edges.Select(n => n.Name).ToList();
            var seventh = agents["node-a3"];
            sw.Restart();
            seventh.Start();
            var ready = (await seventh.WaitReadyAsync(TimeSpan.FromSeconds(90))).TotalMilliseconds;
            cluster.Apply(FakeCluster.EndpointSlices, Endpoints(edges));
            var joined = await Task.WhenAll(all.Select(c => ReachAsync(lab, agents, c, all, TimeSpan.FromSeconds(60), sw)));
            var tunnelUp = seventh.LoggedAt("Plugin tunnel.libp2p", "running") ?? double.NaN;
            var joinedAt = joined.Max();
            output.WriteLine($"node-a3 joined: every agent (node-a3 too) reached every backend (node-a3's too) {joinedAt:0} ms after node-a3 started; "
                + $"its tunnel up at {tunnelUp:0} ms, ready (endpoint added) at {ready:0} ms; {joinedAt - tunnelUp:0} ms after its tunnel came up (per agent: {Join(all, joined)})");
            ids["node-a3"] = (await StatusOf(seventh)).GetProperty("libp2p").GetProperty("peerId").GetString()!;
            Bound(joinedAt - tunnelUp <= 10_000, $"node-a3 joined only {joinedAt - tunnelUp:0} ms after its tunnel came up (bound 10 s)");

            // 4. The API goes away. An agent restarted reaches its peers from its cache.
            await server.StopAsync();
            NetnsLab.Ip("-n", nodes.Single(n => n.Name == "api").Ns, "link", "set", "eth0", "down");
            var restarted = agents["node-a1"];
            Assert.Equal(0, await restarted.StopAsync());
            sw.Restart();
            restarted.Start();
            var fromCache = await ReachAsync(lab, agents, "node-a1", all, TimeSpan.FromSeconds(90), sw);
            var k = (await StatusOf(restarted)).GetProperty("catalog.kubernetes");
            output.WriteLine($"API gone, node-a1 restarted: reached every other node's backend {fromCache:0} ms after its start (catalog from cache: {k.GetProperty("fromCache")})");
            Assert.True(k.GetProperty("fromCache").GetBoolean(), "node-a1 should serve its cached catalog: " + k.GetRawText());

            // 5. An edge node's agent killed silently: retired after the tolerance window, no longer chosen, back when restarted.
            var dead = agents["node-b2"];
            var others = all.Where(n => n != "node-b2").ToList();
            await Task.WhenAll(others.Select(c => ReachAsync(lab, agents, c, all, TimeSpan.FromSeconds(30), Stopwatch.StartNew())));
            sw.Restart();
            dead.Kill();
            var retiredAt = await Task.WhenAll(others.Select(async c =>
            {
                var status = await agents[c].WaitStatusAsync(s => Retired(s).Any(r => RetiredName(r) == "node-b2"), TimeSpan.FromSeconds(ToleranceSeconds + 40), "node-b2 retired by the tolerance window");
                var entry = Retired(status).First(r => RetiredName(r) == "node-b2");
                var silent = (entry.GetProperty("retiredAt").GetDateTimeOffset() - entry.GetProperty("lastHeard").GetDateTimeOffset()).TotalSeconds;
                Assert.True(silent >= ToleranceSeconds, $"{c} retired node-b2 after {silent:0.0} s of silence, before its {ToleranceSeconds} s window: {entry}");
                return (Ms: sw.Elapsed.TotalMilliseconds, Reason: entry.GetProperty("reason").GetString());
            }));
            output.WriteLine($"node-b2 SIGKILLed: retired by every other agent {retiredAt.Max(r => r.Ms):0} ms later (window {ToleranceSeconds} s; per agent: {Join(others, retiredAt.Select(r => r.Ms).ToArray())}); e.g. '{retiredAt[0].Reason}'");
            foreach (var c in others)
            {
                var failuresBefore = EndpointDialFailures(await StatusOf(agents[c]), "node-b2");
                var answers = new List<string>();
                for (var i = 0; i < 3 * all.Count; i++) answers.Add(await ServiceClient.AskAsync(lab.SocketsIn(Ns(nodes, c)), Web, "after the window from " + c, TimeSpan.FromSeconds(10)));
                var failuresAfter = EndpointDialFailures(await StatusOf(agents[c]), "node-b2");
                Assert.DoesNotContain(answers, a => a.StartsWith(Backend("node-b2"), StringComparison.Ordinal));
                Assert.True(failuresAfter == failuresBefore, $"{c} still dialed node-b2's endpoint after it was retired: dial failures {failuresBefore} → {failuresAfter}");
                Assert.Equal(others.Count, answers.Select(a => a.Split(':')[0]).Distinct().Count());
            }
            sw.Restart();
            dead.Start();
            var returned = await Task.WhenAll(others.Select(c => ReachAsync(lab, agents, c, all, TimeSpan.FromSeconds(60), sw)));
            output.WriteLine($"node-b2 restarted: every agent reached its backend again {returned.Max():0} ms after its start (per agent: {Join(others, returned)})");
            foreach (var c in others) Assert.DoesNotContain(Retired(await StatusOf(agents[c])), r => RetiredName(r) == "node-b2");

            // The time bounds, each checked where it is measured and reported together, so one run shows every phase.
            Assert.True(_exceeded.Count == 0, "time bounds exceeded:\n" + string.Join("\n", _exceeded));
        }
        catch
        {
            foreach (var a in agents.Values) output.WriteLine(a.LogTail(40));
            throw;
        }
        finally
        {
            // PLUGINMESH_E2E_LOGDIR=<dir>: every agent's whole log (every run of it) kept there.
            if (Environment.GetEnvironmentVariable("PLUGINMESH_E2E_LOGDIR") is { Length: > 0 } logDir)
            {
                Directory.CreateDirectory(logDir);
                foreach (var a in agents.Values) File.WriteAllLines(Path.Combine(logDir, a.Node + ".log"), a.AllRuns);
            }

            lab.Dispose();
            try
            {
                Directory.Delete(root, true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <param name="Pod">The namespace of the node's one pod (the backend), on 10.244.Index.0/24 behind the node.</param>
    private sealed record LabNode(string Name, string Ns, string Pod, string Lan, IPAddress Address, IPAddress Backend, int Index);

    /// <summary>A time bound of the issue: a miss is reported at the end (with every other miss), the later phases still run.</summary>
    private void Bound(bool met, string message)
    {
        if (met) return;
        _exceeded.Add(message);
        output.WriteLine("BOUND EXCEEDED: " + message);
    }

    private sealed record Relayed(string From, string To, string Relay);

    private static string Backend(string node) => "web@" + node;

    private static string Ns(IReadOnlyList<LabNode> nodes, string name) => nodes.Single(n => n.Name == name).Ns;

    /// <summary>Builds the two LANs, their NATs, the public bridge with p1, p2 and the API.</summary>
    private static List<LabNode> Topology(NetnsLab lab)
    {
        var nodes = new List<LabNode>();
        var pub = lab.Add("pub");
        NetnsLab.Bridge(pub, "br0");
        var api = lab.Add("api");
        NetnsLab.Plug(api, "eth0", ApiAddress + "/24", pub, "br0", "papi");
        nodes.Add(new LabNode("api", api, api, "api", IPAddress.Parse(ApiAddress), IPAddress.None, 0));
        var index = 0;
        foreach (var p in new[] { "p1", "p2" })
        {
            var ns = lab.Add(p);
            var address = $"203.0.114.1{p[1]}";
            NetnsLab.Plug(ns, "eth0", address + "/24", pub, "br0", "p" + p);
            NetnsLab.Ip("-n", ns, "route", "add", "default", "dev", "eth0");
            nodes.Add(Pod(lab, "node-" + p, ns, "pub", address, ++index));
        }
        foreach (var (lan, i, members, masquerade) in new[] { ("a", 1, new[] { "a1", "a2", "a3" }, Array.Empty<string>()), ("b", 2, new[] { "b1", "b2" }, new[] { "--random-fully" }) })
        {
            var router = lab.Add("r" + lan);
            NetnsLab.Plug(router, "wan", $"203.0.114.2{i}/24", pub, "br0", "pr" + lan);
            var switchNs = lab.Add("l" + lan);
            NetnsLab.Bridge(switchNs, "br" + lan);
            NetnsLab.Plug(router, "lan", $"10.{i}.0.1/24", switchNs, "br" + lan, "prt");
            NetnsLab.Exec(router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            NetnsLab.Exec(router, ["iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE", .. masquerade]);
            NetnsLab.Exec(router, "iptables", "-A", "INPUT", "-i", "wan", "-p", "tcp", "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP");
            foreach (var m in members)
            {
                var ns = lab.Add(m);
                var address = $"10.{i}.0.1{m[1]}";
                NetnsLab.Plug(ns, "eth0", address + "/24", switchNs, "br" + lan, "p" + m);
                NetnsLab.DefaultRoute(ns, $"10.{i}.0.1");
                nodes.Add(Pod(lab, "node-" + m, ns, lan, address, ++index));
            }
        }
        return nodes;
    }

    /// <summary>The node's pod: its own namespace on a veth from the node (10.244.N.1, as a CNI bridge would be), the backend at 10.244.N.10.</summary>
    private static LabNode Pod(NetnsLab lab, string name, string ns, string lan, string address, int index)
    {
        var pod = lab.Add("pod" + name[5..]);
        NetnsLab.Link(ns, "pods", $"10.244.{index}.1/24", pod, "eth0", $"10.244.{index}.10/24");
        NetnsLab.DefaultRoute(pod, $"10.244.{index}.1");
        return new LabNode(name, ns, pod, lan, IPAddress.Parse(address), IPAddress.Parse($"10.244.{index}.10"), index);
    }

    /// <summary>The Node as the kubelet registers it; node-b2 carries a short tolerance window, so the test stays short.</summary>
    private static JsonObject NodeObject(LabNode n)
    {
        var node = FakeObjects.Node(n.Name, $"10.244.{n.Index}.0/24", n.Address.ToString());
        node["metadata"]!["labels"]!["node-role.kubernetes.io/edge"] = "";
        if (n.Name == "node-b2") node["metadata"]!["labels"]!["pluginmesh.io/tolerance-seconds"] = ToleranceSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return node;
    }

    private static JsonObject Endpoints(IEnumerable<LabNode> nodes) =>
        FakeObjects.EndpointSlice("demo", "web-1", "web", nodes.Select(n => (n.Backend.ToString(), n.Name, true)));

    /// <summary>
    /// Asks the ClusterIP from <paramref name="client"/>'s node namespace until every node of
    /// <paramref name="targets"/> but itself has answered (round robin spreads the requests); returns
    /// <paramref name="clock"/>'s milliseconds at that moment. Fails after <paramref name="within"/> naming who never answered.
    /// </summary>
    private static async Task<double> ReachAsync(NetnsLab lab, Dictionary<string, AgentProcess> agents, string client, IReadOnlyList<string> targets, TimeSpan within, Stopwatch clock)
    {
        var sockets = lab.SocketsIn(agents[client].Netns);
        var missing = targets.Where(t => t != client).Select(Backend).ToHashSet(StringComparer.Ordinal);
        var deadline = Stopwatch.StartNew();
        string? last = null;
        while (missing.Count > 0)
        {
            if (deadline.Elapsed > within)
                throw new TimeoutException($"{client} did not reach {string.Join(", ", missing)} within {within.TotalSeconds:0} s; last: {last}");
            try
            {
                var answer = await ServiceClient.AskAsync(sockets, Web, "hello from " + client, TimeSpan.FromSeconds(5));
                missing.Remove(answer.Split(':')[0]);
                last = answer;
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException or IOException)
            {
                last = ex.Message;
                await Task.Delay(100);
            }
        }
        return clock.Elapsed.TotalMilliseconds;
    }

    private static async Task<JsonElement> StatusOf(AgentProcess agent) =>
        await agent.StatusAsync() ?? throw new InvalidOperationException(agent.Node + ": no status\n" + agent.LogTail());

    /// <summary>Relayed connections of the private agents, with the relay they go through (from the circuit address).</summary>
    private static async Task<List<Relayed>> RelayedConnectionsAsync(Dictionary<string, AgentProcess> agents, IEnumerable<string> names)
    {
        var result = new List<Relayed>();
        foreach (var name in names.Where(n => !n.StartsWith("node-p", StringComparison.Ordinal)))
        {
            foreach (var c in (await StatusOf(agents[name])).GetProperty("peers").GetProperty("connections").EnumerateArray())
            {
                if (c.GetProperty("path").GetString() != "relayed") continue;
                var parts = c.GetProperty("address").GetString()!.Split('/');
                var circuit = Array.IndexOf(parts, "p2p-circuit");
                if (circuit >= 2 && parts[circuit - 2] == "p2p") result.Add(new Relayed(name, c.GetProperty("node").GetString() ?? c.GetProperty("peerId").GetString()!, parts[circuit - 1]));
            }
        }
        return result;
    }

    private static HashSet<string> Reservations(JsonElement status)
    {
        var held = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in status.GetProperty("relay").GetProperty("reservations").EnumerateArray())
            held.Add(r.GetProperty("relay").GetString()!);
        return held;
    }

    private static IEnumerable<JsonElement> Retired(JsonElement status) =>
        status.TryGetProperty("directory", out var d) && d.TryGetProperty("retired", out var r) ? r.EnumerateArray().ToList() : [];

    private static string? RetiredName(JsonElement retired) =>
        (retired.TryGetProperty("nodeName", out var n) || retired.TryGetProperty("node", out n)) ? n.GetString() : null;

    /// <summary>The proxy's dial failures on the web endpoints of <paramref name="node"/>.</summary>
    private static long EndpointDialFailures(JsonElement status, string node)
    {
        long total = 0;
        foreach (var service in status.GetProperty("proxy").GetProperty("services").EnumerateArray())
            foreach (var port in service.GetProperty("ports").EnumerateArray())
                foreach (var e in port.GetProperty("endpoints").EnumerateArray())
                    if (e.TryGetProperty("node", out var n) && n.GetString() == node) total += e.GetProperty("dialFailures").GetInt64();
        return total;
    }

    private async Task PrintElectionAsync(Dictionary<string, AgentProcess> agents, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            var s = await StatusOf(agents[name]);
            var relay = s.GetProperty("relay");
            var hop = relay.GetProperty("hop");
            var election = hop.TryGetProperty("election", out var e) && e.TryGetProperty("reason", out var why) ? why.GetString() : "?";
            output.WriteLine($"{name}: reachability {s.GetProperty("peers").GetProperty("reachability")}, offered {hop.GetProperty("offered")} ({election}), "
                + $"reservations on [{string.Join(", ", Reservations(s))}], candidates {relay.GetProperty("candidates")}");
        }
    }

    /// <summary>How <paramref name="agent"/> sees <paramref name="node"/>'s record, and its own circuit addresses.</summary>
    private async Task PrintAddressesAsync(AgentProcess agent, string node)
    {
        var s = await StatusOf(agent);
        foreach (var r in s.GetProperty("directory").GetProperty("records").EnumerateArray().Where(r => r.GetProperty("node").GetString() == node))
            output.WriteLine($"{agent.Node}'s record of {node}: direct {r.GetProperty("directAddresses")}, relay {r.GetProperty("relayAddresses")}");
        foreach (var r in s.GetProperty("relay").GetProperty("reservations").EnumerateArray())
            output.WriteLine($"{agent.Node}'s circuit addresses on {r.GetProperty("relay")}: {r.GetProperty("circuitAddresses")}");
    }

    private static string Name(Dictionary<string, string> ids, string peerId) => ids.FirstOrDefault(kv => kv.Value == peerId).Key ?? peerId;

    private static string Join(IReadOnlyList<string> names, IReadOnlyList<double> ms) => string.Join(", ", names.Select((n, i) => $"{n} {ms[i]:0} ms"));
}
