using System.Diagnostics;
using System.Net;
using System.Text.Json;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Mesh.E2E.Tests.Support;
using Xunit.Abstractions;

namespace PluginMesh.Mesh.E2E.Tests;

/// <summary>
/// Attack with real processes: an insider holding the swarm key and its own valid identity key runs
/// an agent named <c>node-b</c> — without access to the API, so its only way to claim the name is its
/// signed directory record — next to the real node-b. Topology (namespaces, veths and bridge made by
/// the test, deleted after it):
/// <code>
///   node-a   10.99.0.1 ─┐                      web backend 10.244.2.10:8080 on node-b (lo)
///   node-b   10.99.0.2 ─┼─ br0 (own netns)     the impostor answers on 10.244.2.10:8080 too
///   impostor 10.99.0.9 ─┤
///   api      10.99.0.100 (fake Kubernetes API) ┘
/// </code>
/// node-a and node-b run cache.litedb, catalog.kubernetes, dns.mdns, proxy.iptables (iptables mode),
/// tunnel.libp2p and directory.p2p with the shared PSK; the impostor runs the same minus the catalog,
/// so it serves tunnel streams if any came and finds the others by mDNS. Phase 1, the API binds node-b
/// to the real agent's PeerId: node-a's directory rejects the impostor's record as
/// <c>binding_mismatch</c> and ClusterIP traffic from node-a keeps reaching node-b's backend. Phase 2,
/// the API is gone and node-a restarts, so the binding comes from its cache (<c>cached-api</c>); the
/// impostor restarts and gossips its claim again: refused the same way, traffic still goes to node-b.
/// In both, the impostor receives no tunnel stream and its backend answers nothing. Timings go to the
/// test output; PLUGINMESH_E2E_LOGS=1 adds the agents' logs.
/// </summary>
[Trait("Category", "E2E")]
[Trait("Category", "Attack")]
[Collection(E2ECollection.Name)]
public sealed class ImpostorTests(ITestOutputHelper output)
{
    private const int Requests = 20;
    private static readonly IPEndPoint Web = new(IPAddress.Parse("10.96.0.10"), 80);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task InsiderClaimsNodeB_ApiBoundThenCachedBinding_Refused_TrafficStillReachesNodeB()
    {
        using var lab = new NetnsLab("pmatk-");
        var root = Path.Combine(Path.GetTempPath(), "pmatk-" + Guid.NewGuid().ToString("n")[..8]);
        try
        {
            var (api, nodeA, nodeB, impostorNs) = Topology(lab);
            Directory.CreateDirectory(root);
            var psk = Path.Combine(root, "swarm.key");
            await File.WriteAllTextAsync(psk, "/key/swarm/psk/1.0.0/\n/base16/\n" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(psk, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var cluster = new FakeCluster();
            cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-a", "10.244.1.0/24", "10.99.0.1"));
            cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-b", "10.244.2.0/24", "10.99.0.2"));
            cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
            cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-1", "web", [("10.244.2.10", "node-b", true)]));
            var apiSockets = lab.SocketsIn(api);
            await using var server = new FakeApiServer(cluster, IPAddress.Parse("10.99.0.100"), () => apiSockets.Tcp());
            server.Start(0);

            var catalog = $"""
                  catalog.kubernetes:
                    apiServer: http://10.99.0.100:{server.Port}
                    connectTimeoutSeconds: 2
                """;
            var a = lab.Own(new AgentProcess(nodeA, "node-a", Path.Combine(root, "node-a"), PluginsYaml(1, psk) + catalog));
            var b = lab.Own(new AgentProcess(nodeB, "node-b", Path.Combine(root, "node-b"), PluginsYaml(2, psk) + catalog));
            var impostor = lab.Own(new AgentProcess(impostorNs, "node-b", Path.Combine(root, "impostor"), PluginsYaml(9, psk)));
            var realBackend = lab.Own(new LineBackend(lab.SocketsIn(nodeB), new IPEndPoint(IPAddress.Parse("10.244.2.10"), 8080), "web@node-b"));
            var fakeBackend = lab.Own(new LineBackend(lab.SocketsIn(impostorNs), new IPEndPoint(IPAddress.Parse("10.244.2.10"), 8080), "web@impostor"));

            // Phase 1: the API is up and binds node-b to the real agent; the impostor joins the running mesh.
            var sw = Stopwatch.StartNew();
            a.Start();
            b.Start();
            var bId = await PeerIdAsync(b);
            await a.WaitStatusAsync(s => Bound(s, "node-b", bId, "api") && ConnectedTo(s, bId) && HasWeb(s), Wait, "node-b bound by the API, connected, demo/web in the catalog");
            output.WriteLine($"phase 1: node-a has node-b bound by the API and connected {sw.ElapsedMilliseconds} ms after start");
            Assert.Equal(0, Rejected((await a.StatusAsync())!.Value, "binding_mismatch"));
            sw.Restart();
            impostor.Start();
            var impostorId = await PeerIdAsync(impostor);
            Assert.NotEqual(bId, impostorId);
            var seen = await a.WaitStatusAsync(s => Rejected(s, "binding_mismatch") > 0 && SyncedWith(s, impostorId), Wait, "the impostor's claim synced and rejected as binding_mismatch");
            output.WriteLine($"phase 1: impostor {impostorId} claimed node-b; node-a rejected it {sw.ElapsedMilliseconds} ms after the impostor started: {DirectorySection(seen).GetProperty("rejected")}");
            await AssertRefusedAndTrafficToNodeBAsync(lab, nodeA, a, impostor, bId, impostorId, "api", realBackend, fakeBackend, "phase 1");

            // Phase 2: the API is gone (server down, link cut); node-a restarts on its cache and the impostor gossips again.
            await StopAsync(a);
            await StopAsync(impostor);
            await server.StopAsync();
            NetnsLab.Ip("-n", api, "link", "set", "eth0", "down");
            sw.Restart();
            a.Start();
            await a.WaitStatusAsync(s => Bound(s, "node-b", bId, "cached-api") && ConnectedTo(s, bId) && HasWeb(s)
                && !DirectorySection(s).GetProperty("api").GetProperty("connected").GetBoolean(), Wait, "node-b bound from the cache (cached-api), connected, API not connected");
            output.WriteLine($"phase 2: node-a restarted without the API, node-b bound from its cache and connected {sw.ElapsedMilliseconds} ms after start");
            Assert.Equal(0, Rejected((await a.StatusAsync())!.Value, "binding_mismatch"));
            sw.Restart();
            impostor.Start();
            Assert.Equal(impostorId, await PeerIdAsync(impostor));
            seen = await a.WaitStatusAsync(s => Rejected(s, "binding_mismatch") > 0 && SyncedWith(s, impostorId), Wait, "the impostor's claim synced and rejected as binding_mismatch (cached binding)");
            output.WriteLine($"phase 2: node-a rejected the impostor's claim again {sw.ElapsedMilliseconds} ms after the impostor restarted: {DirectorySection(seen).GetProperty("rejected")}");
            await AssertRefusedAndTrafficToNodeBAsync(lab, nodeA, a, impostor, bId, impostorId, "cached-api", realBackend, fakeBackend, "phase 2");

            if (Environment.GetEnvironmentVariable("PLUGINMESH_E2E_LOGS") == "1")
                foreach (var agent in new[] { a, b, impostor }) output.WriteLine($"[{agent.Netns}]\n{agent.LogTail(200)}");
            foreach (var agent in new[] { a, b, impostor }) await StopAsync(agent);
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

    /// <summary>node-b's binding and records on node-a name the real agent only; ClusterIP requests all reach node-b; the impostor saw no tunnel stream.</summary>
    private async Task AssertRefusedAndTrafficToNodeBAsync(NetnsLab lab, string nodeA, AgentProcess a, AgentProcess impostor, string bId, string impostorId,
        string bindingSource, LineBackend realBackend, LineBackend fakeBackend, string phase)
    {
        var status = (await a.StatusAsync())!.Value;
        var directory = DirectorySection(status);
        Assert.True(Bound(status, "node-b", bId, bindingSource), $"{phase}: node-b's binding on node-a changed: {directory.GetProperty("bindings")}");
        var claims = directory.GetProperty("records").EnumerateArray()
            .Where(r => r.GetProperty("node").GetString() == "node-b" || r.GetProperty("peerId").GetString() == impostorId).ToList();
        Assert.True(claims.All(r => r.GetProperty("peerId").GetString() == bId && r.GetProperty("node").GetString() == "node-b"),
            $"{phase}: node-a holds the impostor's record: {string.Join(", ", claims.Select(r => r.GetRawText()))}");
        Assert.Empty(directory.GetProperty("conflicts").EnumerateArray());
        // The impostor is connected (a PSK holder may connect) but node-a resolves its PeerId to no node.
        var impostorConnection = status.GetProperty("peers").GetProperty("connections").EnumerateArray().Where(c => c.GetProperty("peerId").GetString() == impostorId).ToList();
        Assert.True(impostorConnection.All(c => c.GetProperty("node").ValueKind == JsonValueKind.Null), $"{phase}: node-a names the impostor: {string.Join(", ", impostorConnection.Select(c => c.GetRawText()))}");

        var servedBefore = realBackend.Served;
        var answers = new List<string> { await ServiceClient.AskEventuallyAsync(lab.SocketsIn(nodeA), Web, phase + " 0", TimeSpan.FromSeconds(20)) };
        for (var i = 1; i < Requests; i++) answers.Add(await ServiceClient.AskAsync(lab.SocketsIn(nodeA), Web, $"{phase} {i}"));
        var fromNodeB = answers.Count(x => x.StartsWith("web@node-b: ", StringComparison.Ordinal));
        output.WriteLine($"{phase}: {fromNodeB}/{Requests} requests from node-a to {Web} answered by node-b's backend; impostor's backend served {fakeBackend.Served}");
        Assert.Equal(Requests, fromNodeB);
        Assert.Equal(servedBefore + Requests, realBackend.Served);
        Assert.Equal(0, fakeBackend.Served);

        var proxy = (await impostor.StatusAsync())!.Value.GetProperty("proxy");
        Assert.True(proxy.GetProperty("tunnelServing").GetBoolean(), $"{phase}: the impostor serves no tunnel, so the check below proves nothing: {proxy}");
        Assert.Empty(proxy.GetProperty("tunnelRefused").EnumerateObject());
        Assert.DoesNotContain(impostor.Log, l => l.Contains("tunnel", StringComparison.OrdinalIgnoreCase) && l.Contains("refused", StringComparison.OrdinalIgnoreCase));
    }

    private static (string Api, string NodeA, string NodeB, string Impostor) Topology(NetnsLab lab)
    {
        var br = lab.Add("br");
        NetnsLab.Bridge(br, "br0");
        var api = lab.Add("api");
        NetnsLab.Plug(api, "eth0", "10.99.0.100/24", br, "br0", "papi");
        string Node(string role, int host, string port)
        {
            var n = lab.Add(role);
            NetnsLab.Plug(n, "eth0", $"10.99.0.{host}/24", br, "br0", port);
            // Default route: ClusterIPs must be routable for the nat OUTPUT rule to see the connect; multicast goes out eth0.
            NetnsLab.Ip("-n", n, "route", "add", "default", "dev", "eth0");
            return n;
        }
        var a = Node("node-a", 1, "pa");
        var b = Node("node-b", 2, "pb");
        var impostor = Node("impostor", 9, "pi");
        NetnsLab.Ip("-n", b, "addr", "add", "10.244.2.10/32", "dev", "lo");
        NetnsLab.Ip("-n", impostor, "addr", "add", "10.244.2.10/32", "dev", "lo");
        return (api, a, b, impostor);
    }

    private static string PluginsYaml(int host, string psk) => $"""
          cache.litedb: {"{}"}
          dns.mdns:
            listen: [10.99.0.{host}:53]
            createInterface: false
            mdns:
              interfaces: [eth0]
          proxy.iptables:
            mode: iptables
          tunnel.libp2p:
            listen: [/ip4/10.99.0.{host}/tcp/4001]
            pskFile: {psk}
          directory.p2p: {"{}"}

        """;

    private static async Task<string> PeerIdAsync(AgentProcess agent) =>
        (await agent.WaitStatusAsync(s => s.TryGetProperty("libp2p", out var l) && l.TryGetProperty("peerId", out _), Wait, "a PeerId"))
            .GetProperty("libp2p").GetProperty("peerId").GetString()!;

    private static async Task StopAsync(AgentProcess agent)
    {
        var code = await agent.StopAsync();
        Assert.True(code == 0, $"{agent.Node} ({agent.Netns}) exited {code}\n{agent.LogTail()}");
    }

    private static JsonElement DirectorySection(JsonElement status) => status.GetProperty("directory");

    private static bool Bound(JsonElement status, string node, string peerId, string source) =>
        status.TryGetProperty("directory", out var d) && d.GetProperty("bindings").EnumerateArray().Any(b =>
            b.GetProperty("node").GetString() == node && b.GetProperty("peerId").GetString() == peerId && b.GetProperty("source").GetString() == source);

    private static long Rejected(JsonElement status, string reason) =>
        status.TryGetProperty("directory", out var d) && d.GetProperty("rejected").TryGetProperty(reason, out var n) ? n.GetInt64() : 0;

    private static bool SyncedWith(JsonElement status, string peerId) =>
        status.TryGetProperty("directory", out var d) && d.GetProperty("lastSync").TryGetProperty(peerId, out _);

    private static bool ConnectedTo(JsonElement status, string peerId) =>
        status.TryGetProperty("peers", out var p) && p.GetProperty("connections").EnumerateArray().Any(c => c.GetProperty("peerId").GetString() == peerId);

    private static bool HasWeb(JsonElement status) =>
        status.TryGetProperty("catalog", out var c) && c.TryGetProperty("services", out var services)
        && services.EnumerateArray().Any(s => s.GetProperty("name").GetString() == "demo/web" && s.GetProperty("ready").GetInt32() == 1);
}
