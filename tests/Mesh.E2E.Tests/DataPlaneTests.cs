using System.Diagnostics;
using System.Net;
using System.Text.Json;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Mesh.E2E.Tests.Support;
using Xunit.Abstractions;

namespace PluginMesh.Mesh.E2E.Tests;

/// <summary>
/// Issue 5, the data plane end to end, with real agents. Topology (namespaces, veths, bridge and
/// NAT rules made by the test, all deleted after it):
/// <code>
///  pod-a 10.244.1.2,.3 ─ node-a 10.1.0.2 ─ [ra NAT] 203.0.113.1 ─┐
///                                                                ├─ br0 ─ relay 203.0.113.100 (tunnel.relay hop)
///  pod-b 10.244.2.2    ─ node-b 10.2.0.2 ─ [rb NAT] 203.0.113.2 ─┘      api   203.0.113.200 (fake Kubernetes API)
/// </code>
/// node-a and node-b cannot reach each other directly (private addresses behind MASQUERADE, no
/// mDNS across the NATs); both reserve on the relay (<c>tunnel.relay reserve:</c>), so traffic between
/// them goes through a relayed libp2p connection. Pods use the node's DNS on their gateway address
/// and reach ClusterIPs through the node's PREROUTING rules.
/// </summary>
[Trait("Category", "E2E")]
[Collection(E2ECollection.Name)]
public sealed class DataPlaneTests(ITestOutputHelper output)
{
    private static readonly IPEndPoint Web = new(IPAddress.Parse("10.96.0.10"), 80);
    private static readonly IPEndPoint Echo = new(IPAddress.Parse("10.96.0.30"), 7);
    private static readonly IPEndPoint DnsA = new(IPAddress.Parse("10.244.1.1"), 53);

    [Fact]
    public async Task TwoNattedNodesViaRelay_DnsHttpUdpScaleApiLossRestart_RulesGoneOnStop()
    {
        using var lab = new NetnsLab("pme2e-");
        var root = Path.Combine(Path.GetTempPath(), "pme2e-" + Guid.NewGuid().ToString("n")[..8]);
        try
        {
            var t = Topology(lab);
            var cluster = new FakeCluster();
            Seed(cluster);
            var apiSockets = lab.SocketsIn(t.Api);
            await using var server = new FakeApiServer(cluster, IPAddress.Parse("203.0.113.200"), () => apiSockets.Tcp());
            server.Start(0);

            var podA = lab.SocketsIn(t.PodA);
            var podB = lab.SocketsIn(t.PodB);
            lab.Own(new HttpBackend(podA, new IPEndPoint(IPAddress.Parse("10.244.1.2"), 8080), "web@pod-a"));
            lab.Own(new HttpBackend(podA, new IPEndPoint(IPAddress.Parse("10.244.1.3"), 8080), "web@pod-a2"));
            lab.Own(new HttpBackend(podB, new IPEndPoint(IPAddress.Parse("10.244.2.2"), 8080), "web@pod-b"));
            lab.Own(new UdpEcho(podB, new IPEndPoint(IPAddress.Parse("10.244.2.2"), 7007), "echo@pod-b"));

            var (relay, relayAddr) = await StartRelayAsync(lab, t, root);
            var a = lab.Own(new AgentProcess(t.NodeA, "node-a", Path.Combine(root, "node-a"), NodeYaml("10.1.0.2", "10.244.1.1", server.Port, relayAddr)));
            var b = lab.Own(new AgentProcess(t.NodeB, "node-b", Path.Combine(root, "node-b"), NodeYaml("10.2.0.2", "10.244.2.1", server.Port, relayAddr)));
            var sw = Stopwatch.StartNew();
            a.Start();
            b.Start();
            await Task.WhenAll(new[] { a, b }.Select(n => n.WaitStatusAsync(s => HasReservation(s) && Synced(s), TimeSpan.FromSeconds(90), "a relay reservation and a synced catalog")));
            output.WriteLine($"node-a and node-b: reserved on the relay and synced {sw.ElapsedMilliseconds} ms after start");

            // DNS from a pod.
            var (rcode, addresses) = await DnsQuery.AAsync(podA, DnsA, "web.demo.svc.cluster.local");
            Assert.True(rcode == 0 && addresses.SequenceEqual([Web.Address]), $"pod-a: web.demo → rcode {rcode} [{string.Join(", ", addresses)}]");

            // 1 000 HTTP requests from pod-a to the ClusterIP, spread over both nodes.
            sw.Restart();
            var first = await FirstAnswerFromAsync(podA, "web@pod-b", TimeSpan.FromSeconds(30));
            output.WriteLine($"first answer from node-b's pod through the relay after {first:0} ms");
            var counts = await HttpLoadAsync(podA, 1000, parallel: 8);
            output.WriteLine($"1000 requests in {sw.ElapsedMilliseconds - first:0} ms: {string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}"))}");
            Assert.Equal(1000, counts.Values.Sum());
            Assert.True(counts.GetValueOrDefault("web@pod-a") >= 250 && counts.GetValueOrDefault("web@pod-b") >= 250, "not spread over both nodes");
            var peersA = (await a.StatusAsync())!.Value.GetProperty("peers").GetProperty("connections").EnumerateArray()
                .Select(c => (Node: c.GetProperty("node").GetString(), Path: c.GetProperty("path").GetString())).ToList();
            Assert.Contains(("node-b", "relayed"), peersA);

            // Scale up: one more endpoint (on node-a) in the API; how soon does the proxy use it?
            sw.Restart();
            cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-1", "web",
                [("10.244.1.2", "node-a", true), ("10.244.2.2", "node-b", true), ("10.244.1.3", "node-a", true)]));
            var scaled = await FirstAnswerFromAsync(podA, "web@pod-a2", TimeSpan.FromSeconds(30));
            output.WriteLine($"scale change: new endpoint served {scaled:0} ms after the API change (requests in a loop)");
            counts = await HttpLoadAsync(podA, 60, parallel: 4);
            output.WriteLine($"after scale-up, 60 requests: {string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}"))}");
            Assert.Equal(3, counts.Count);

            // Scale down again: how soon does the proxy stop sending to the removed endpoint?
            sw.Restart();
            cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-1", "web",
                [("10.244.1.2", "node-a", true), ("10.244.2.2", "node-b", true)]));
            var clean = 0;
            double? lastSeen = null;
            while (clean < 30 && sw.Elapsed < TimeSpan.FromSeconds(30))
            {
                var (status, body) = await HttpBackend.GetAsync(podA, Web, TimeSpan.FromSeconds(5));
                Assert.Equal(200, status);
                if (body == "web@pod-a2")
                {
                    clean = 0;
                    lastSeen = sw.Elapsed.TotalMilliseconds;
                }
                else
                {
                    clean++;
                }
            }
            Assert.Equal(30, clean);
            output.WriteLine($"scale down: removed endpoint last served {(lastSeen is { } ms ? $"{ms:0} ms" : "never")} after the API change; then 30 requests without it");

            // UDP through the ClusterIP to node-b's pod (datagrams framed through the tunnel).
            var echoes = await UdpEcho.AskAsync(podA, Echo, ["one", "two", new string('x', 1200)]);
            Assert.Equal(["echo@pod-b: one", "echo@pod-b: two", "echo@pod-b: " + new string('x', 1200)], echoes);

            // The API dies: traffic keeps flowing.
            await server.StopAsync();
            NetnsLab.Ip("-n", t.Api, "link", "set", "eth0", "down");
            counts = await HttpLoadAsync(podA, 60, parallel: 4);
            output.WriteLine($"API down, 60 requests: {string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}"))}");
            Assert.Equal(60, counts.Values.Sum());
            Assert.Contains("web@pod-b", counts.Keys);

            // Agent A restarts with the API still down: it serves from its cache.
            Assert.Equal(0, await a.StopAsync());
            Assert.DoesNotContain("PLUGINMESH", NetnsLab.Exec(t.NodeA, "iptables-save", "-t", "nat"), StringComparison.Ordinal);
            sw.Restart();
            a.Start();
            var ready = (await a.WaitReadyAsync(TimeSpan.FromSeconds(90))).TotalMilliseconds;
            await EventuallyAsync(async () => (await DnsQuery.AAsync(podA, DnsA, "web.demo.svc.cluster.local", TimeSpan.FromSeconds(1))).Addresses.Contains(Web.Address), TimeSpan.FromSeconds(30));
            var dnsBack = sw.Elapsed.TotalMilliseconds;
            await FirstAnswerFromAsync(podA, "web@pod-a", TimeSpan.FromSeconds(30));
            var local = sw.Elapsed.TotalMilliseconds;
            await FirstAnswerFromAsync(podA, "web@pod-b", TimeSpan.FromSeconds(60));
            var remote = sw.Elapsed.TotalMilliseconds;
            output.WriteLine($"node-a restarted, API down: ready {ready:0} ms, DNS answers at {dnsBack:0} ms, local endpoint at {local:0} ms, node-b's endpoint (relay) at {remote:0} ms after start");
            var k = (await a.StatusAsync())!.Value.GetProperty("catalog.kubernetes");
            Assert.True(k.GetProperty("fromCache").GetBoolean(), "node-a should serve from its cache: " + k.GetRawText());
            counts = await HttpLoadAsync(podA, 30, parallel: 3);
            Assert.Equal(30, counts.Values.Sum());

            // Stop: every PLUGINMESH rule is gone.
            foreach (var n in new[] { a, b, relay }) Assert.True(await n.StopAsync() == 0, n.LogTail());
            foreach (var ns in new[] { t.NodeA, t.NodeB }) Assert.DoesNotContain("PLUGINMESH", NetnsLab.Exec(ns, "iptables-save", "-t", "nat"), StringComparison.Ordinal);
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

    /// <summary>The namespaces of the topology drawn above (also used by <see cref="GatewayTests"/>).</summary>
    internal sealed record Lab(string Api, string Relay, string NodeA, string NodeB, string PodA, string PodB, string RouterA);

    /// <summary>Starts the relay agent (hop service for every member) and answers it with its multiaddr once it has a PeerId.</summary>
    internal static async Task<(AgentProcess Relay, string Address)> StartRelayAsync(NetnsLab lab, Lab t, string root)
    {
        var relay = lab.Own(new AgentProcess(t.Relay, "relay", Path.Combine(root, "relay"), """
              cache.litedb: {}
              tunnel.libp2p:
                listen: [/ip4/203.0.113.100/tcp/4001]
              tunnel.relay:
                relay: always
                members: all
                autorelay: false
              directory.p2p: {}
            """));
        relay.Start();
        var relayId = (await relay.WaitStatusAsync(s => s.TryGetProperty("libp2p", out var l) && l.TryGetProperty("peerId", out _), TimeSpan.FromSeconds(90), "a PeerId"))
            .GetProperty("libp2p").GetProperty("peerId").GetString()!;
        return (relay, $"/ip4/203.0.113.100/tcp/4001/p2p/{relayId}");
    }

    /// <summary>Builds the topology drawn above in <paramref name="lab"/>.</summary>
    internal static Lab Topology(NetnsLab lab)
    {
        var pub = lab.Add("pub");
        NetnsLab.Bridge(pub, "br0");
        var api = lab.Add("api");
        NetnsLab.Plug(api, "eth0", "203.0.113.200/24", pub, "br0", "papi");
        var relay = lab.Add("relay");
        NetnsLab.Plug(relay, "eth0", "203.0.113.100/24", pub, "br0", "prelay");
        var nodes = new List<string>();
        var pods = new List<string>();
        var routers = new List<string>();
        foreach (var (name, i) in new[] { ("a", 1), ("b", 2) })
        {
            var router = lab.Add("r" + name);
            routers.Add(router);
            NetnsLab.Plug(router, "wan", $"203.0.113.{i}/24", pub, "br0", "pr" + name);
            var node = lab.Add("node-" + name);
            NetnsLab.Link(node, "lan", $"10.{i}.0.2/24", router, "lan", $"10.{i}.0.1/24");
            NetnsLab.Ip("-n", node, "route", "add", "default", "via", $"10.{i}.0.1");
            NetnsLab.Exec(router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            NetnsLab.Exec(router, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE");
            var pod = lab.Add("pod-" + name);
            NetnsLab.Link(node, "pods", $"10.244.{i}.1/24", pod, "eth0", $"10.244.{i}.2/24");
            NetnsLab.Ip("-n", pod, "route", "add", "default", "via", $"10.244.{i}.1");
            nodes.Add(node);
            pods.Add(pod);
        }
        NetnsLab.Ip("-n", pods[0], "addr", "add", "10.244.1.3/24", "dev", "eth0");
        return new Lab(api, relay, nodes[0], nodes[1], pods[0], pods[1], routers[0]);
    }

    private static void Seed(FakeCluster cluster)
    {
        cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-a", "10.244.1.0/24", "10.1.0.2"));
        cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-b", "10.244.2.0/24", "10.2.0.2"));
        cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
        cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-1", "web", [("10.244.1.2", "node-a", true), ("10.244.2.2", "node-b", true)]));
        cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "echo", "10.96.0.30", [("udp", 7, 7007, "UDP")]));
        cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "echo-1", "echo", [("10.244.2.2", "node-b", true)], portName: "udp", port: 7007, protocol: "UDP"));
    }

    /// <summary>An edge node's plugins: cache, the fake API, DNS on the pod gateway, iptables proxy, tunnel reserving on <paramref name="relay"/>, directory.</summary>
    internal static string NodeYaml(string lan, string podGateway, int apiPort, string relay) => $"""
          cache.litedb: {"{}"}
          catalog.kubernetes:
            apiServer: http://203.0.113.200:{apiPort}
            connectTimeoutSeconds: 2
          dns.mdns:
            listen: [{podGateway}:53]
            createInterface: false
            mdns:
              enabled: false
          proxy.iptables:
            mode: iptables
          tunnel.libp2p:
            listen: [/ip4/{lan}/tcp/4001]
          tunnel.relay:
            relay: never
            autorelay: false
            reserve: [{relay}]
          directory.p2p: {"{}"}
        """;

    /// <summary>GETs the ClusterIP in a loop until <paramref name="backend"/> answers; returns the elapsed milliseconds.</summary>
    private static async Task<double> FirstAnswerFromAsync(NetnsSockets pod, string backend, TimeSpan within)
    {
        var sw = Stopwatch.StartNew();
        string? last = null;
        while (sw.Elapsed < within)
        {
            try
            {
                var (status, body) = await HttpBackend.GetAsync(pod, Web, TimeSpan.FromSeconds(5));
                if (status == 200 && body == backend) return sw.Elapsed.TotalMilliseconds;
                last = $"{status} {body}";
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException or IOException)
            {
                last = ex.Message;
                await Task.Delay(50);
            }
        }
        throw new TimeoutException($"no answer from {backend} within {within.TotalSeconds:0} s; last: {last}");
    }

    /// <summary><paramref name="total"/> GETs, <paramref name="parallel"/> at a time; every one must be a 200. Returns answers per backend.</summary>
    private static async Task<SortedDictionary<string, int>> HttpLoadAsync(NetnsSockets pod, int total, int parallel)
    {
        var results = new System.Collections.Concurrent.ConcurrentBag<string>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < total)
            {
                var (status, body) = await HttpBackend.GetAsync(pod, Web);
                Assert.Equal(200, status);
                results.Add(body);
            }
        }));
        return new SortedDictionary<string, int>(results.GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count()), StringComparer.Ordinal);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < within)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
            {
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"condition not met within {within.TotalSeconds:0} s");
    }

    internal static bool HasReservation(JsonElement status) =>
        status.TryGetProperty("relay", out var r) && r.TryGetProperty("reservations", out var res) && res.ValueKind == JsonValueKind.Array && res.GetArrayLength() > 0;

    internal static bool Synced(JsonElement status) =>
        status.TryGetProperty("catalog.kubernetes", out var k) && k.GetProperty("synced").GetBoolean() && !k.GetProperty("fromCache").GetBoolean();
}
