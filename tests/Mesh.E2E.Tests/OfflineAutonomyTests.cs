using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Mesh.E2E.Tests.Support;
using Xunit.Abstractions;

namespace PluginMesh.Mesh.E2E.Tests;

/// <summary>
/// Issue 6, offline autonomy, with three real agents. Topology (every namespace, veth and bridge made
/// by the test and deleted after it):
/// <code>
///   node-a 10.99.0.1 ─┐                      pods: 10.244.1.0/24 on node-a (lo)
///   node-b 10.99.0.2 ─┼─ br0 (own netns) ─┐        10.244.2.0/24 on node-b: web backend 10.244.2.10:8080
///   node-c 10.99.0.3 ─┘                   │        10.244.3.0/24 on node-c: backends added in phase 3
///   api    10.99.0.100 (fake Kubernetes API) ┘
/// </code>
/// Each agent runs cache.litedb, catalog.kubernetes, dns.mdns (DNS on its LAN address, mDNS on eth0),
/// proxy.iptables (iptables mode in its namespace), tunnel.libp2p and directory.p2p; no relay.
/// Phase 1: the API is up, the agents sync and stop. Phase 2: the API is gone; the agents start
/// from their caches, find each other by mDNS, answer DNS and carry ClusterIP traffic from node-a
/// to node-b's backend through the tunnel (repeated PLUGINMESH_E2E_RUNS times, default 1, for the
/// start → all-peers-connected timing). Phase 3: the API comes back with changes made while it was
/// away; the running agents pick them up. Timings go to the test output
/// (<c>dotnet test --logger "console;verbosity=detailed"</c>); PLUGINMESH_E2E_LOGS=1 adds the agents' logs.
/// </summary>
[Trait("Category", "E2E")]
[Collection(E2ECollection.Name)]
public sealed class OfflineAutonomyTests(ITestOutputHelper output)
{
    private const string Domain = "svc.cluster.local";
    private static readonly IPEndPoint WebClusterIp = new(IPAddress.Parse("10.96.0.10"), 80);
    private static readonly IPEndPoint LateClusterIp = new(IPAddress.Parse("10.96.0.20"), 80);
    private static readonly string[] Nodes = ["node-a", "node-b", "node-c"];

    [Fact]
    public async Task ThreeAgents_ApiGone_FindEachOtherByMdns_ServeDnsAndClusterIp_ThenPickUpChangesWhenApiReturns()
    {
        var runs = int.TryParse(Environment.GetEnvironmentVariable("PLUGINMESH_E2E_RUNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r > 0 ? r : 1;
        using var lab = new NetnsLab("pme2e-");
        var root = Path.Combine(Path.GetTempPath(), "pme2e-" + Guid.NewGuid().ToString("n")[..8]);
        try
        {
            var (api, ns) = Topology(lab);
            var cluster = new FakeCluster();
            Seed(cluster);
            var apiSockets = lab.SocketsIn(api);
            await using var server = new FakeApiServer(cluster, IPAddress.Parse("10.99.0.100"), () => apiSockets.Tcp());
            server.Start(0);

            var agents = Nodes.Select((node, i) => lab.Own(new AgentProcess(ns[i], node, Path.Combine(root, node), PluginsYaml(i + 1, server.Port)))).ToArray();
            lab.Own(new LineBackend(lab.SocketsIn(ns[1]), new IPEndPoint(IPAddress.Parse("10.244.2.10"), 8080), "web@node-b"));
            lab.Own(new LineBackend(lab.SocketsIn(ns[2]), new IPEndPoint(IPAddress.Parse("10.244.3.10"), 8080), "late@node-c"));
            lab.Own(new LineBackend(lab.SocketsIn(ns[2]), new IPEndPoint(IPAddress.Parse("10.244.3.11"), 8080), "web@node-c"));

            // Phase 1: the earlier run, with the API reachable.
            var sw = Stopwatch.StartNew();
            foreach (var a in agents) a.Start();
            await Task.WhenAll(agents.Select(a => a.WaitStatusAsync(s => HasService(s, "demo/web", 1) && KubernetesSection(s) is { } k && k.GetProperty("synced").GetBoolean() && !k.GetProperty("fromCache").GetBoolean(), TimeSpan.FromSeconds(90), "catalog synced from the API")));
            var peerIds = new string[agents.Length];
            for (var i = 0; i < agents.Length; i++)
            {
                var status = await agents[i].StatusAsync() ?? throw new InvalidOperationException("no status");
                peerIds[i] = status.GetProperty("libp2p").GetProperty("peerId").GetString()!;
            }
            await Task.WhenAll(agents.Select((a, i) => a.WaitStatusAsync(s => ConnectedTo(s, peerIds, i), TimeSpan.FromSeconds(60), "connections to the other two agents")));
            output.WriteLine($"phase 1 (API up): synced and connected {sw.ElapsedMilliseconds} ms after start");
            // Each agent published itself on its own Node (and no other), and every agent's catalog learnt all three from the Node watch.
            await Task.WhenAll(agents.Select(a => a.WaitStatusAsync(s => KubernetesSection(s) is { } k
                && k.GetProperty("publish").GetProperty("state").GetString() == "published" && k.GetProperty("agents").GetInt32() == Nodes.Length,
                TimeSpan.FromSeconds(60), "published on its Node, and every agent learnt from the Nodes")));
            for (var i = 0; i < agents.Length; i++)
            {
                var annotations = cluster.Get(FakeCluster.Nodes, Nodes[i])!["metadata"]!["annotations"]!;
                Assert.Equal(peerIds[i], annotations["pluginmesh.io/peer-id"]!.GetValue<string>());
                Assert.Contains($"/ip4/10.99.0.{i + 1}/tcp/4001", JsonSerializer.Deserialize<string[]>(annotations["pluginmesh.io/addrs"]!.GetValue<string>())!);
            }
            Assert.Equal(Nodes.Order(StringComparer.Ordinal), cluster.Patches.Select(p => p.Name).Distinct().Order(StringComparer.Ordinal));
            output.WriteLine($"phase 1: {cluster.Patches.Count} patches of Nodes");
            foreach (var a in agents)
            {
                var cache = (await a.StatusAsync())!.Value.GetProperty("cache");
                Assert.True(CacheDocuments(cache, "kubernetes_catalog_services") >= 1, a.Node + " cached no services: " + cache.GetRawText());
            }
            await StopAllAsync(agents);

            // Phase 2: the cloud is gone (server down and its link cut), agents start from their caches.
            await server.StopAsync();
            NetnsLab.Ip("-n", api, "link", "set", "eth0", "down");
            var timings = new List<double>();
            var afterTunnel = new List<double>();
            for (var run = 1; run <= runs; run++)
            {
                var last = run == runs;
                sw.Restart();
                foreach (var a in agents) a.Start();
                // The admin endpoint answers only once every plugin runs, and peers often connect
                // before that (the proxy's first rule install comes last), so the moment of
                // connection is read from each agent's log (+ms since its start; the "libp2p connection
                // from/to <PeerId>" line), and /status confirms it.
                var times = await Task.WhenAll(agents.Select(async (a, i) =>
                {
                    var ready = a.WaitReadyAsync(TimeSpan.FromSeconds(60));
                    await a.WaitStatusAsync(s => ConnectedTo(s, peerIds, i), TimeSpan.FromSeconds(60), "mDNS-discovered connections to the other two agents (API down)");
                    var seen = sw.Elapsed.TotalMilliseconds;
                    var logged = peerIds.Where((_, j) => j != i).Select(p => a.LoggedAt("libp2p connection ", p) ?? double.NaN).Max();
                    return (Ready: (await ready).TotalMilliseconds, Connected: logged, Seen: seen, TunnelUp: a.LoggedAt("Plugin tunnel.libp2p", "running") ?? double.NaN);
                }));
                var allConnected = times.Max(t => t.Connected);
                timings.Add(allConnected);
                afterTunnel.Add(allConnected - times.Max(t => t.TunnelUp));
                output.WriteLine($"phase 2 run {run}/{runs}: start → all LAN peers connected {allConnected:0} ms (from the agents' logs; confirmed by /status at {times.Max(t => t.Seen):0} ms); "
                    + $"last tunnel up at {times.Max(t => t.TunnelUp):0} ms, last agent ready at {times.Max(t => t.Ready):0} ms "
                    + $"(per node tunnel up/connected/ready: {string.Join(", ", times.Select((t, i) => $"{Nodes[i]} {t.TunnelUp:0}/{t.Connected:0}/{t.Ready:0}"))})");
                if (Environment.GetEnvironmentVariable("PLUGINMESH_E2E_LOGS") == "1")
                    foreach (var a in agents) output.WriteLine(a.LogTail(200));
                // "Within a few seconds" of the tunnels listening; loose, as the 2 shared cores are often at load 10.
                Assert.True(afterTunnel[^1] < 10_000, $"LAN peers connected only {afterTunnel[^1]:0} ms after the last tunnel came up");

                for (var i = 0; i < agents.Length; i++)
                {
                    var s = (await agents[i].StatusAsync())!.Value;
                    var mdnsPeers = s.GetProperty("dns").GetProperty("mdns").GetProperty("peers").EnumerateArray().Select(p => p.GetProperty("peerId").GetString()).ToHashSet();
                    Assert.True(peerIds.Where((_, j) => j != i).All(mdnsPeers.Contains), $"{Nodes[i]} did not find both others by mDNS: {string.Join(", ", mdnsPeers)}");
                    Assert.True(KubernetesSection(s)!.Value.GetProperty("fromCache").GetBoolean(), Nodes[i] + " should serve the cached catalog: " + KubernetesSection(s)!.Value.GetRawText() + "\n" + agents[i].LogTail());
                    Assert.True(HasService(s, "demo/web", 1), Nodes[i] + " lost demo/web");
                }
                await AssertResolvesAsync(lab, ns, agents, "web.demo." + Domain, WebClusterIp.Address);
                var viaTunnel = await ServiceClient.AskEventuallyAsync(lab.SocketsIn(ns[0]), WebClusterIp, "hello from node-a", TimeSpan.FromSeconds(20));
                Assert.Equal("web@node-b: hello from node-a", viaTunnel);
                Assert.Equal("web@node-b: hello from node-c", await ServiceClient.AskAsync(lab.SocketsIn(ns[2]), WebClusterIp, "hello from node-c"));
                output.WriteLine($"phase 2 run {run}: DNS and ClusterIP (node-a → node-b over the tunnel) OK at {sw.ElapsedMilliseconds} ms");

                if (last)
                {
                    var (code, json, err) = Shell.Exec("dotnet", AgentPaths.HostDll, "peers", "--json", "--admin", "unix:" + agents[0].AdminSocket);
                    Assert.True(code == 0, "pluginmesh peers failed: " + err);
                    using var peers = JsonDocument.Parse(json);
                    var byNode = peers.RootElement.GetProperty("connections").EnumerateArray()
                        .Select(c => (Node: c.GetProperty("node").GetString(), Path: c.GetProperty("path").GetString())).ToList();
                    Assert.Contains(("node-b", "direct"), byNode);
                    Assert.Contains(("node-c", "direct"), byNode);
                }
                else
                {
                    await StopAllAsync(agents);
                }
            }
            if (runs > 1)
            {
                output.WriteLine($"phase 2: start → all LAN peers connected over {runs} runs: median {Median(timings):0} ms, min {timings.Min():0} ms, max {timings.Max():0} ms; "
                    + $"last agent's tunnel up → all connected: median {Median(afterTunnel):0} ms, max {afterTunnel.Max():0} ms");
            }

            // Phase 3: while the API was away, a service was created and the web service got an endpoint on node-c.
            cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "late", "10.96.0.20"));
            cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "late-1", "late", [("10.244.3.10", "node-c", true)]));
            cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-1", "web", [("10.244.2.10", "node-b", true), ("10.244.3.11", "node-c", true)]));
            NetnsLab.Ip("-n", api, "link", "set", "eth0", "up");
            sw.Restart();
            server.Start();
            var pickedUp = await Task.WhenAll(agents.Select(async a =>
            {
                await a.WaitStatusAsync(s => HasService(s, "demo/late", 1) && HasService(s, "demo/web", 2), TimeSpan.FromSeconds(90), "the changes made while the API was away");
                return sw.Elapsed.TotalMilliseconds;
            }));
            output.WriteLine($"phase 3: API back → changes in every agent's catalog {pickedUp.Max():0} ms (per node: {string.Join(", ", pickedUp.Select((t, i) => $"{Nodes[i]} {t:0}"))}); no restart");
            await AssertResolvesAsync(lab, ns, agents, "late.demo." + Domain, LateClusterIp.Address);
            Assert.Equal("late@node-c: new service", await ServiceClient.AskEventuallyAsync(lab.SocketsIn(ns[0]), LateClusterIp, "new service", TimeSpan.FromSeconds(20)));
            var answers = new List<string>();
            for (var i = 0; i < 6; i++) answers.Add(await ServiceClient.AskAsync(lab.SocketsIn(ns[0]), WebClusterIp, "spread"));
            Assert.Contains("web@node-c: spread", answers);
            Assert.Contains("web@node-b: spread", answers);
            foreach (var a in agents) Assert.True(KubernetesSection((await a.StatusAsync())!.Value)!.Value.GetProperty("connected").GetBoolean(), a.Node + " not connected to the API");

            await StopAllAsync(agents);
            foreach (var n in ns) Assert.DoesNotContain("PLUGINMESH", NetnsLab.Exec(n, "iptables-save", "-t", "nat"), StringComparison.Ordinal);
        }
        finally
        {
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

    /// <summary>Builds the LAN; returns the API namespace and the three node namespaces.</summary>
    private static (string Api, string[] Nodes) Topology(NetnsLab lab)
    {
        var br = lab.Add("br");
        NetnsLab.Bridge(br, "br0");
        var api = lab.Add("api");
        NetnsLab.Plug(api, "eth0", "10.99.0.100/24", br, "br0", "papi");
        var nodes = new string[3];
        for (var i = 0; i < 3; i++)
        {
            var n = nodes[i] = lab.Add(Nodes[i]);
            NetnsLab.Plug(n, "eth0", $"10.99.0.{i + 1}/24", br, "br0", "p" + Nodes[i][^1]);
            // Default route: ClusterIPs must be routable for the nat OUTPUT rule to see the connect; multicast goes out eth0.
            NetnsLab.Ip("-n", n, "route", "add", "default", "dev", "eth0");
        }
        NetnsLab.Ip("-n", nodes[1], "addr", "add", "10.244.2.10/32", "dev", "lo");
        NetnsLab.Ip("-n", nodes[2], "addr", "add", "10.244.3.10/32", "dev", "lo");
        NetnsLab.Ip("-n", nodes[2], "addr", "add", "10.244.3.11/32", "dev", "lo");
        return (api, nodes);
    }

    private static void Seed(FakeCluster cluster)
    {
        for (var i = 0; i < 3; i++) cluster.Apply(FakeCluster.Nodes, FakeObjects.Node(Nodes[i], $"10.244.{i + 1}.0/24", $"10.99.0.{i + 1}"));
        cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
        cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-1", "web", [("10.244.2.10", "node-b", true)]));
    }

    private static string PluginsYaml(int host, int apiPort) => $"""
          cache.litedb: {"{}"}
          catalog.kubernetes:
            apiServer: http://10.99.0.100:{apiPort}
            connectTimeoutSeconds: 2
          dns.mdns:
            listen: [10.99.0.{host}:53]
            createInterface: false
            mdns:
              interfaces: [eth0]
          proxy.iptables:
            mode: iptables
          tunnel.libp2p:
            listen: [/ip4/10.99.0.{host}/tcp/4001]
          directory.p2p: {"{}"}
        """;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static async Task StopAllAsync(AgentProcess[] agents)
    {
        var codes = await Task.WhenAll(agents.Select(a => a.StopAsync()));
        for (var i = 0; i < agents.Length; i++) Assert.True(codes[i] == 0, $"{agents[i].Node} exited {codes[i]}\n{agents[i].LogTail()}");
    }

    private static async Task AssertResolvesAsync(NetnsLab lab, string[] ns, AgentProcess[] agents, string name, IPAddress expected)
    {
        for (var i = 0; i < ns.Length; i++)
        {
            var (rcode, addresses) = await DnsQuery.AAsync(lab.SocketsIn(ns[i]), new IPEndPoint(IPAddress.Parse($"10.99.0.{i + 1}"), 53), name);
            Assert.True(rcode == 0 && addresses.SequenceEqual([expected]), $"{agents[i].Node}: {name} → rcode {rcode}, [{string.Join(", ", addresses)}]");
        }
    }

    private static bool ConnectedTo(JsonElement status, string[] peerIds, int self)
    {
        if (!status.TryGetProperty("peers", out var peers)) return false;
        var connected = peers.GetProperty("connections").EnumerateArray().Select(c => c.GetProperty("peerId").GetString()).ToHashSet();
        return peerIds.Where((_, j) => j != self).All(connected.Contains);
    }

    private static JsonElement? KubernetesSection(JsonElement status) =>
        status.TryGetProperty("catalog.kubernetes", out var k) ? k : null;

    private static bool HasService(JsonElement status, string name, int readyEndpoints) =>
        status.TryGetProperty("catalog", out var c) && c.TryGetProperty("services", out var services)
        && services.EnumerateArray().Any(s => s.GetProperty("name").GetString() == name && s.GetProperty("ready").GetInt32() == readyEndpoints);

    private static long CacheDocuments(JsonElement cache, string collection)
    {
        foreach (var p in cache.EnumerateObject())
        {
            if (!p.NameEquals("documents") || p.Value.ValueKind != JsonValueKind.Object) continue;
            return p.Value.TryGetProperty(collection, out var n) ? n.GetInt64() : 0;
        }
        return 0;
    }
}
