using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using PluginMesh.Mesh.E2E.Tests.Support;
using Xunit.Abstractions;

namespace PluginMesh.Mesh.E2E.Tests;

/// <summary>
/// Issue 14: what ClusterIP traffic does while the agent is dead (SIGKILL, as an OOM kill does it)
/// and when it comes back. One real agent (catalog.file + proxy.iptables, iptables mode) in a node
/// namespace with real iptables; a pod namespace behind it holds the client and the backend:
/// <code>
///   wan 192.0.2.1 ── uplink (default route) ── node 10.244.1.1 (agent, rules) ── pods veth ── pod 10.244.1.2 (client)
///                                                                                            10.244.1.3 (backend :8080 tcp, :7007 udp)
/// </code>
/// Decided behaviour (docs/operations.md, "When the agent is down"): fail closed, fast. The REDIRECT
/// rules stay while the agent is dead (nothing else could route a ClusterIP anyway), so a new
/// connection meets a closed local port: the kernel answers at once with a reset (TCP) or port
/// unreachable (UDP). Connections that were open are reset, not ended cleanly. A restart reconciles
/// the rules to exactly one set and traffic resumes with no manual step.
/// </summary>
[Trait("Category", "E2E")]
[Trait("Category", "Attack")]
[Collection(E2ECollection.Name)]
public sealed class AgentKillTests(ITestOutputHelper output)
{
    private static readonly IPEndPoint Web = new(IPAddress.Parse("10.96.0.10"), 80);
    private static readonly IPEndPoint Echo = new(IPAddress.Parse("10.96.0.30"), 7);
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Sigkill_ExistingConnectionsReset_NewOnesRefusedWithinASecond_RestartResumesWithOneSetOfRules()
    {
        using var lab = new NetnsLab("pme2e-");
        var root = Path.Combine(Path.GetTempPath(), "pme2e-" + Guid.NewGuid().ToString("n")[..8]);
        try
        {
            var (node, pod) = Topology(lab);
            var podSockets = lab.SocketsIn(pod);
            var nodeSockets = lab.SocketsIn(node);
            var backend = lab.Own(new EchoBackend(podSockets, new IPEndPoint(IPAddress.Parse("10.244.1.3"), 8080), "web@pod"));
            lab.Own(new UdpEcho(podSockets, new IPEndPoint(IPAddress.Parse("10.244.1.3"), 7007), "echo@pod"));
            Directory.CreateDirectory(root);
            var catalog = Path.Combine(root, "catalog.yaml");
            await File.WriteAllTextAsync(catalog, Catalog);
            var agent = lab.Own(new AgentProcess(node, "node-a", Path.Combine(root, "node-a"), $"""
                  catalog.file:
                    path: {catalog}
                  proxy.iptables:
                    mode: iptables
                """));

            // 1. Up: traffic flows, from a pod (PREROUTING) and from the node itself (OUTPUT).
            agent.Start();
            var status = await agent.WaitStatusAsync(s => Rules(s) == 2, TimeSpan.FromSeconds(90), "two rules installed");
            var save = status.GetProperty("proxy").GetProperty("rules").GetProperty("binary").GetString() + "-save";
            await AskEventuallyAsync(podSockets, "hello");
            Assert.Equal("web@pod: from the node", await ServiceClient.AskAsync(nodeSockets, Web, "from the node"));
            Assert.Equal(["echo@pod: ping"], await UdpEcho.AskAsync(podSockets, Echo, ["ping"]));
            var open = new List<Socket>();
            for (var i = 0; i < 3; i++) open.Add(await OpenAsync(podSockets, $"open {i}"));
            AssertOneSetOfRules(node, save);

            // 2. SIGKILL.
            var (resetsBefore, cleanBefore) = (backend.Resets, backend.CleanCloses);
            var killed = Stopwatch.StartNew();
            agent.Kill();
            output.WriteLine($"agent SIGKILLed; exited after {killed.ElapsedMilliseconds} ms");

            // The rules stay: that is what makes a refusal prompt (and why nothing else can take over).
            Assert.Contains("-j PLUGINMESH-SERVICES", NetnsLab.Exec(node, save, "-t", "nat"), StringComparison.Ordinal);

            // Connections that were open end with a reset, never a clean end of stream.
            foreach (var s in open)
            {
                var (outcome, ms) = await EndOfAsync(s);
                output.WriteLine($"open connection after the kill: {outcome} after {ms:0.0} ms");
                Assert.Equal("reset", outcome);
            }
            await Eventually.TrueAsync(() => backend.Resets == resetsBefore + 3, "the backend's side of the open connections reset too", TimeSpan.FromSeconds(10));
            Assert.Equal(cleanBefore, backend.CleanCloses);

            // New connections: refused at once, from a pod and from the node, TCP and UDP.
            var refusals = new List<double>();
            for (var i = 0; i < 10; i++)
            {
                refusals.Add(await RefusedAfterAsync(podSockets));
                refusals.Add(await RefusedAfterAsync(nodeSockets));
            }
            var udpRefused = await UdpRefusedAfterAsync(podSockets);
            output.WriteLine($"while dead: 20 TCP connects refused, max {refusals.Max():0.00} ms, median {refusals.Order().ElementAt(10):0.00} ms; UDP port unreachable after {udpRefused:0.00} ms");
            Assert.All(refusals, ms => Assert.True(ms < Prompt.TotalMilliseconds, $"a refusal took {ms:0} ms"));
            Assert.True(udpRefused < Prompt.TotalMilliseconds, $"the UDP refusal took {udpRefused:0} ms");

            // 3. Restart: the same rules again (reconciled, not duplicated) and traffic resumes.
            var restarted = Stopwatch.StartNew();
            agent.Start();
            var ready = await agent.WaitReadyAsync(TimeSpan.FromSeconds(90));
            await AskEventuallyAsync(podSockets, "back");
            output.WriteLine($"restarted: ready after {ready.TotalMilliseconds:0} ms, first answer through the ClusterIP after {restarted.ElapsedMilliseconds} ms");
            Assert.Equal(["echo@pod: again"], await UdpEcho.AskAsync(podSockets, Echo, ["again"]));
            Assert.Equal("web@pod: node again", await ServiceClient.AskAsync(nodeSockets, Web, "node again"));
            await agent.WaitStatusAsync(s => Rules(s) == 2, TimeSpan.FromSeconds(30), "two rules after the restart");
            AssertOneSetOfRules(node, save);
            Assert.Contains(agent.Log, l => l.Contains("leftover rules from an earlier run found and replaced", StringComparison.Ordinal));
            foreach (var s in open) s.Dispose();

            // 4. A clean stop still leaves nothing behind.
            Assert.True(await agent.StopAsync() == 0, agent.LogTail());
            Assert.DoesNotContain("PLUGINMESH", NetnsLab.Exec(node, save, "-t", "nat"), StringComparison.Ordinal);
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

    private const string Catalog = """
        services:
          - name: web
            namespace: demo
            clusterIP: 10.96.0.10
            ports: [{port: 80, targetPort: 8080}]
            endpoints: [{ip: 10.244.1.3, node: node-a}]
          - name: echo
            namespace: demo
            clusterIP: 10.96.0.30
            ports: [{port: 7, targetPort: 7007, protocol: UDP}]
            endpoints: [{ip: 10.244.1.3, node: node-a}]
        nodes:
          - name: node-a
            podCIDRs: [10.244.1.0/24]
        """;

    private static (string Node, string Pod) Topology(NetnsLab lab)
    {
        var node = lab.Add("node-a");
        var pod = lab.Add("pod-a");
        NetnsLab.Link(node, "pods", "10.244.1.1/24", pod, "eth0", "10.244.1.2/24");
        NetnsLab.Ip("-n", pod, "addr", "add", "10.244.1.3/24", "dev", "eth0");
        NetnsLab.Ip("-n", pod, "route", "add", "default", "via", "10.244.1.1");
        // A node has a default route; without one, a host process's connect to a ClusterIP fails in
        // routing ("network unreachable") before the OUTPUT rules are even consulted.
        var wan = lab.Add("wan");
        NetnsLab.Link(node, "uplink", "192.0.2.2/24", wan, "eth0", "192.0.2.1/24");
        NetnsLab.Ip("-n", node, "route", "add", "default", "via", "192.0.2.1");
        return (node, pod);
    }

    private static int Rules(JsonElement status) =>
        status.TryGetProperty("proxy", out var p) && p.TryGetProperty("rules", out var r) && r.ValueKind == JsonValueKind.Object
            ? r.GetProperty("rules").GetInt32()
            : -1;

    /// <summary>Exactly one jump from each hook chain, the chain declared once, each rule once.</summary>
    private static void AssertOneSetOfRules(string node, string save)
    {
        var lines = NetnsLab.Exec(node, save, "-t", "nat").Split('\n');
        Assert.Single(lines, l => l.StartsWith("-A PREROUTING ", StringComparison.Ordinal) && l.EndsWith("-j PLUGINMESH-SERVICES", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("-A OUTPUT ", StringComparison.Ordinal) && l.EndsWith("-j PLUGINMESH-SERVICES", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith(":PLUGINMESH-SERVICES ", StringComparison.Ordinal));
        var rules = lines.Where(l => l.StartsWith("-A PLUGINMESH-SERVICES ", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, rules.Count);
        Assert.Contains(rules, r => r.Contains("-d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 15001", StringComparison.Ordinal));
        Assert.Contains(rules, r => r.Contains("-d 10.96.0.30/32 -p udp -m udp --dport 7 -j REDIRECT", StringComparison.Ordinal));
    }

    private static async Task AskEventuallyAsync(NetnsSockets pod, string line) =>
        Assert.Equal($"web@pod: {line}", await ServiceClient.AskEventuallyAsync(pod, Web, line, TimeSpan.FromSeconds(60)));

    /// <summary>A connection through the ClusterIP that stays open after one exchange.</summary>
    private static async Task<Socket> OpenAsync(NetnsSockets pod, string line)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var s = pod.Tcp();
        await s.ConnectAsync(Web, cts.Token);
        await s.SendAsync(Encoding.UTF8.GetBytes(line + "\n"), SocketFlags.None, cts.Token);
        var buffer = new byte[256];
        var answer = new StringBuilder();
        while (!answer.ToString().EndsWith('\n'))
        {
            var n = await s.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            Assert.True(n > 0, "the open connection ended early");
            answer.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        Assert.Equal($"web@pod: {line}\n", answer.ToString());
        return s;
    }

    /// <summary>How an open connection ends now: "reset", "end of stream" (a clean FIN) or "hang".</summary>
    private static async Task<(string Outcome, double Ms)> EndOfAsync(Socket s)
    {
        var sw = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            // A request on the connection, as a client would send one.
            await s.SendAsync(Encoding.UTF8.GetBytes("anyone?\n"), SocketFlags.None, cts.Token);
            var n = await s.ReceiveAsync(new byte[256], SocketFlags.None, cts.Token);
            return (n == 0 ? "end of stream" : "data", sw.Elapsed.TotalMilliseconds);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return ("reset", sw.Elapsed.TotalMilliseconds);
        }
        catch (OperationCanceledException)
        {
            return ("hang", sw.Elapsed.TotalMilliseconds);
        }
    }

    /// <summary>Milliseconds until a connect to the ClusterIP is refused; fails on anything else.</summary>
    private static async Task<double> RefusedAfterAsync(NetnsSockets from)
    {
        using var s = from.Tcp();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAnyAsync<Exception>(async () => await s.ConnectAsync(Web, cts.Token));
        var ms = sw.Elapsed.TotalMilliseconds;
        Assert.True(ex is SocketException { SocketErrorCode: SocketError.ConnectionRefused }, $"expected a refusal, got {ex.GetType().Name}: {ex.Message} after {ms:0} ms");
        return ms;
    }

    /// <summary>Milliseconds until a connected UDP socket sees the port unreachable answer (ECONNREFUSED).</summary>
    private static async Task<double> UdpRefusedAfterAsync(NetnsSockets from)
    {
        using var s = from.Udp();
        await s.ConnectAsync(Echo);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var sw = Stopwatch.StartNew();
        await s.SendAsync(Encoding.UTF8.GetBytes("anyone?"), SocketFlags.None, cts.Token);
        var ex = await Assert.ThrowsAnyAsync<Exception>(async () => await s.ReceiveAsync(new byte[256], SocketFlags.None, cts.Token));
        var ms = sw.Elapsed.TotalMilliseconds;
        Assert.True(ex is SocketException { SocketErrorCode: SocketError.ConnectionRefused }, $"expected port unreachable, got {ex.GetType().Name}: {ex.Message} after {ms:0} ms");
        return ms;
    }
}
