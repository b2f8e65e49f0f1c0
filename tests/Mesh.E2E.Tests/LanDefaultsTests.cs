using System.Diagnostics;
using System.Text.Json;
using PluginMesh.Mesh.E2E.Tests.Support;
using Xunit.Abstractions;

namespace PluginMesh.Mesh.E2E.Tests;

/// <summary>
/// Issue 13, the LAN case on the defaults: agents given nothing but a node name, a data directory and
/// a shared PSK (the default profile: DNS with its 169.254.96.16 interface, the tunnel on
/// 0.0.0.0:4001, mDNS, relay, directory, proxy, catalog) find each other on their LAN and connect.
/// Topology (every namespace, veth and bridge made by the test and deleted after it):
/// <code>
///   node-a 10.97.0.1 ─┐
///   node-b 10.97.0.2 ─┼─ br0 (own netns)      default route on eth0 in every node
///   node-c 10.97.0.3 ─┘ (started later)
/// </code>
/// The bug this guards: every agent announced 127.0.0.1:4001 and 169.254.96.16:4001 beside its LAN
/// address; its neighbour dialled one of those first, reached itself ("noise: remote is &lt;itself&gt;,
/// expected &lt;peer&gt;") and ignored the peer for good.
/// </summary>
[Trait("Category", "E2E")]
[Collection(E2ECollection.Name)]
public sealed class LanDefaultsTests(ITestOutputHelper output)
{
    private static readonly string[] Nodes = ["node-a", "node-b", "node-c"];

    [Fact]
    public async Task TwoAgentsOnDefaults_NameDataDirAndPskOnly_ConnectWithin10s_AndALaterThirdJoins()
    {
        using var lab = new NetnsLab("pmlan-");
        var root = Path.Combine(Path.GetTempPath(), "pmlan-" + Guid.NewGuid().ToString("n")[..8]);
        try
        {
            var ns = Topology(lab);
            Directory.CreateDirectory(root);
            var psk = Path.Combine(root, "swarm.key");
            await File.WriteAllTextAsync(psk, "/key/swarm/psk/1.0.0/\n/base16/\n" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
            var plugins = $"""
                  tunnel.libp2p:
                    pskFile: {psk}
                """;
            var agents = Nodes.Select((node, i) => lab.Own(AgentProcess.WithDefaults(ns[i], node, Path.Combine(root, node), plugins))).ToArray();

            var sw = Stopwatch.StartNew();
            agents[0].Start();
            agents[1].Start();
            var ids = new string?[3];
            ids[0] = await PeerIdAsync(agents[0]);
            ids[1] = await PeerIdAsync(agents[1]);
            await Task.WhenAll(
                agents[0].WaitStatusAsync(s => ConnectedTo(s, ids[1]!), TimeSpan.FromSeconds(60), "a connection to node-b"),
                agents[1].WaitStatusAsync(s => ConnectedTo(s, ids[0]!), TimeSpan.FromSeconds(60), "a connection to node-a"));
            var pair = ConnectedAfterTunnels(agents[..2], ids[..2]);
            output.WriteLine($"node-a and node-b connected {pair:0} ms after the later tunnel came up (status confirmed at {sw.ElapsedMilliseconds} ms)");
            Assert.True(pair < 10_000, $"node-a and node-b connected only {pair:0} ms after their tunnels came up\n{agents[0].LogTail()}\n{agents[1].LogTail()}");

            sw.Restart();
            agents[2].Start();
            ids[2] = await PeerIdAsync(agents[2]);
            await Task.WhenAll(agents.Select((a, i) => a.WaitStatusAsync(s => ids.Where((_, j) => j != i).All(p => ConnectedTo(s, p!)), TimeSpan.FromSeconds(60), "connections to the other two agents")));
            var third = ids[..2].Select(p => agents[2].LoggedAt("libp2p connection ", p!) ?? double.NaN).Max() - (agents[2].LoggedAt("Plugin tunnel.libp2p", "running") ?? double.NaN);
            output.WriteLine($"node-c connected to both {third:0} ms after its tunnel came up (status confirmed at {sw.ElapsedMilliseconds} ms)");
            Assert.True(third < 10_000, $"node-c joined only {third:0} ms after its tunnel came up\n{agents[2].LogTail()}");

            for (var i = 0; i < agents.Length; i++)
            {
                var s = (await agents[i].StatusAsync())!.Value;
                var advertised = s.GetProperty("dns").GetProperty("mdns").GetProperty("advertised").EnumerateArray().Select(a => a.GetString()!).ToList();
                Assert.Equal([$"/ip4/10.97.0.{i + 1}/tcp/4001/p2p/{ids[i]}"], advertised);
                var discovered = s.GetProperty("libp2p").GetProperty("discovered").EnumerateArray().ToList();
                Assert.DoesNotContain(discovered, d => d.GetProperty("state").GetString() == "ignored");
                foreach (var a in agents) Assert.DoesNotContain(a.Log, l => l.Contains("ignoring", StringComparison.Ordinal));
                // The relay election runs on the defaults too: on a LAN with private addresses only nobody is public, so electRelay declines.
                var election = s.GetProperty("relay").GetProperty("hop").GetProperty("election");
                Assert.Equal(("policy", false), (election.GetProperty("cause").GetString(), election.GetProperty("offer").GetBoolean()));
            }

            // An address added to node-a's LAN interface while it runs is announced at once (the listener is 0.0.0.0:4001),
            // not at the next start: node-b hears it within one round of announcements.
            sw.Restart();
            NetnsLab.Ip("-n", ns[0], "addr", "add", "10.97.0.11/24", "dev", "eth0");
            var added = $"/ip4/10.97.0.11/tcp/4001/p2p/{ids[0]}";
            await agents[0].WaitStatusAsync(s => Strings(s.GetProperty("dns").GetProperty("mdns").GetProperty("advertised")).Contains(added), TimeSpan.FromSeconds(10), "the added address advertised");
            await agents[1].WaitStatusAsync(s => s.GetProperty("dns").GetProperty("mdns").GetProperty("peers").EnumerateArray()
                .Any(p => p.GetProperty("peerId").GetString() == ids[0] && Strings(p.GetProperty("addrs")).Contains(added)), TimeSpan.FromSeconds(10), "node-a's added address heard by mDNS");
            output.WriteLine($"an address added to node-a's eth0 reached node-b's mDNS table {sw.ElapsedMilliseconds} ms later");
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

    /// <summary>Three nodes on one bridge, each with its default route on the LAN.</summary>
    private static string[] Topology(NetnsLab lab)
    {
        var br = lab.Add("br");
        NetnsLab.Bridge(br, "br0");
        var nodes = new string[Nodes.Length];
        for (var i = 0; i < nodes.Length; i++)
        {
            var n = nodes[i] = lab.Add(Nodes[i]);
            NetnsLab.Plug(n, "eth0", $"10.97.0.{i + 1}/24", br, "br0", "p" + Nodes[i][^1]);
            NetnsLab.Ip("-n", n, "route", "add", "default", "dev", "eth0");
        }
        return nodes;
    }

    private static async Task<string> PeerIdAsync(AgentProcess agent)
    {
        var status = await agent.WaitStatusAsync(s => s.TryGetProperty("libp2p", out var l) && l.TryGetProperty("peerId", out _), TimeSpan.FromSeconds(90), "libp2p peerId in status");
        return status.GetProperty("libp2p").GetProperty("peerId").GetString()!;
    }

    /// <summary>
    /// From the agents' logs: the later "connected to the other" line minus the later "tunnel running"
    /// line (the agents start seconds apart on a loaded machine; what counts is the time once both listen).
    /// </summary>
    private static double ConnectedAfterTunnels(AgentProcess[] agents, string?[] ids)
    {
        var connected = agents.Select((a, i) => a.LoggedAt("libp2p connection ", ids[1 - i]!) ?? double.NaN).Max();
        var up = agents.Select(a => a.LoggedAt("Plugin tunnel.libp2p", "running") ?? double.NaN).Max();
        return connected - up;
    }

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private static bool ConnectedTo(JsonElement status, string peerId) =>
        status.TryGetProperty("peers", out var peers)
        && peers.GetProperty("connections").EnumerateArray().Any(c => c.GetProperty("peerId").GetString() == peerId);
}
