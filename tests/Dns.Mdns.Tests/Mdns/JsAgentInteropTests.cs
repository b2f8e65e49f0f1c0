using System.Globalization;
using System.Text.Json;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;
using static PluginMesh.Plugins.Dns.Mdns.Tests.Support.MdnsHelpers;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Mdns;

/// <summary>
/// A js-libp2p 3.3.11 node with @libp2p/mdns discovers a real PluginMesh agent (<c>pluginmesh up</c>
/// with dns.mdns discovery and tunnel.libp2p) on a namespace LAN and connects to it: it dials the
/// PeerId mDNS gave it (TCP + Noise + Yamux), pings it over <c>/ipfs/ping/1.0.0</c> and echoes 1 MiB
/// over <c>/pluginmesh/echo/1.0.0</c>; the agent reports the inbound connection and streams.
/// The js node does not listen, so it advertises nothing and the agent has nothing to dial back:
/// the one connection is js's, inbound at the agent (with both listening, whichever side dials first
/// wins and js would reuse the agent's connection). Discovery the other way is
/// <see cref="JsInteropTests"/>.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class JsAgentInteropTests
{
    private const int EchoBytes = 1024 * 1024;

    /// <summary>Discovery only (no DNS server), mDNS every second, the tunnel on the LAN; optionally a private network.</summary>
    private static string PluginsYaml(string? pskFile = null) => $"""
          tunnel.libp2p:
            listen: [/ip4/0.0.0.0/tcp/4001]
        {(pskFile is null ? "" : $"    pskFile: {pskFile}\n")}  dns.mdns:
            dns:
              enabled: false
            mdns:
              intervalMs: 1000
        """;

    [Fact]
    public async Task JsNode_DiscoversAgentByMdns_DialsIt_PingAndEchoOverNoiseYamux()
    {
        var js = JsDir();
        Assert.True(Directory.Exists(Path.Combine(js, "node_modules", "@libp2p", "mdns")), "run build/test-deps.sh (npm ci in tests/Dns.Mdns.Tests/js) first");
        using var lan = new NetnsLan();
        using var agent = AgentProcess.Start(lan.A, PluginsYaml());
        var agentId = await AgentPeerIdAsync(agent);

        using var node = ChildProcess.InNetns(lan.B, "node", Path.Combine(js, "mdns.mjs"), "--seed", "bob", "--no-listen", "--interval", "1000",
            "--dial-first", "--echo-bytes", EchoBytes.ToString(CultureInfo.InvariantCulture), "--pings", "3");
        var found = await node.WaitForAsync(Event("mdns:peer"), Wait, "discovery of the agent by js");
        Assert.Equal(agentId, found.GetProperty("peerId").GetString());
        Assert.Contains("/ip4/10.77.0.1/tcp/4001", Strings(found, "addrs"));

        var result = await node.WaitForAsync(l => Event("dialed")(l) || Event("dial:error")(l), Wait, "js's dial, ping and echo");
        Assert.True(Event("dialed")(result), result.GetRawText());
        // The PeerId the Noise handshake authenticated is the agent's, the one mDNS announced.
        Assert.Equal(agentId, result.GetProperty("discoveredPeerId").GetString());
        Assert.Equal(agentId, result.GetProperty("peerId").GetString());
        Assert.Equal($"/ip4/10.77.0.1/tcp/4001/p2p/{agentId}", result.GetProperty("remoteAddr").GetString());
        Assert.Equal("outbound", result.GetProperty("direction").GetString());
        Assert.Equal("/noise", result.GetProperty("encryption").GetString());
        Assert.Equal("/yamux/1.0.0", result.GetProperty("multiplexer").GetString());
        var rtts = result.GetProperty("pingRttMs").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal(3, rtts.Count);
        Assert.All(rtts, rtt => Assert.True(rtt > 0, $"ping RTT {rtt}"));
        var echo = result.GetProperty("echo");
        Assert.True(echo.GetProperty("ok").GetBoolean(), echo.GetRawText());
        Assert.Equal(EchoBytes, echo.GetProperty("received").GetInt32());

        // The agent's side: an inbound connection from the js node (still open: js keeps running) ...
        var status = await agent.WaitStatusAsync(s => InboundFrom(s, PeerB) is not null, Wait, "inbound connection from the js node");
        var connection = InboundFrom(status, PeerB)!.Value;
        Assert.StartsWith("/ip4/10.77.0.2/tcp/", connection.GetProperty("address").GetString(), StringComparison.Ordinal);
        Assert.Equal("direct", connection.GetProperty("path").GetString());
        // ... on which it served the ping and echo streams js opened (counted when accepted).
        await agent.WaitMetricsAsync(m => Counter(m, "pluginmesh_libp2p_streams_inbound_total", "/ipfs/ping/1.0.0") >= 1
            && Counter(m, "pluginmesh_libp2p_streams_inbound_total", "/pluginmesh/echo/1.0.0") >= 1, Wait, "inbound ping and echo streams");

        Assert.True(await node.StopAsync(Wait), "js did not stop");
        Assert.True(await agent.StopAsync(Wait), "agent did not stop after SIGTERM\n" + agent.LogTail());
    }

    /// <summary>
    /// mDNS does not know about private networks: js (no PSK) still discovers an agent that has one,
    /// but its dial fails at the agent's pnet step and no connection is made.
    /// </summary>
    [Fact]
    public async Task JsNode_DiscoversAgentWithOtherPsk_DialFails_NoConnection()
    {
        var js = JsDir();
        Assert.True(Directory.Exists(Path.Combine(js, "node_modules", "@libp2p", "mdns")), "run build/test-deps.sh (npm ci in tests/Dns.Mdns.Tests/js) first");
        using var lan = new NetnsLan();
        var psk = Path.Combine(Path.GetTempPath(), $"pm-mdns-psk-{Guid.NewGuid():N}.key");
        File.WriteAllText(psk, "/key/swarm/psk/1.0.0/\n/base16/\n" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
        try
        {
            using var agent = AgentProcess.Start(lan.A, PluginsYaml(psk));
            var agentId = await AgentPeerIdAsync(agent);

            using var node = ChildProcess.InNetns(lan.B, "node", Path.Combine(js, "mdns.mjs"), "--seed", "bob", "--no-listen", "--interval", "1000", "--dial-first");
            var found = await node.WaitForAsync(Event("mdns:peer"), Wait, "discovery of the agent by js");
            Assert.Equal(agentId, found.GetProperty("peerId").GetString());
            var result = await node.WaitForAsync(l => Event("dialed")(l) || Event("dial:error")(l), Wait, "js's dial");
            Assert.True(Event("dial:error")(result), result.GetRawText());

            // The agent saw the attempt fail in its inbound upgrade and holds no connection from js.
            var metrics = await agent.WaitMetricsAsync(m => Counter(m, "pluginmesh_libp2p_upgrade_failures_total", "in") >= 1, Wait, "an inbound upgrade failure");
            Assert.Equal(0, Counter(metrics, "pluginmesh_libp2p_connections_opened_total", "in"));
            var status = await agent.StatusAsync();
            Assert.NotNull(status);
            Assert.Null(InboundFrom(status.Value, PeerB));
        }
        finally
        {
            File.Delete(psk);
        }
    }

    private static async Task<string> AgentPeerIdAsync(AgentProcess agent)
    {
        // Ready, and already advertising its listen address by mDNS.
        var status = await agent.WaitStatusAsync(s => s.TryGetProperty("libp2p", out var p) && p.TryGetProperty("peerId", out _)
            && s.GetProperty("dns").GetProperty("mdns").GetProperty("advertised").GetArrayLength() > 0, Wait, "libp2p and mDNS running");
        var id = status.GetProperty("libp2p").GetProperty("peerId").GetString()!;
        Assert.Contains($"/ip4/10.77.0.1/tcp/4001/p2p/{id}", Strings(status.GetProperty("dns").GetProperty("mdns"), "advertised"));
        return id;
    }

    private static JsonElement? InboundFrom(JsonElement status, string peerId)
    {
        foreach (var c in status.GetProperty("libp2p").GetProperty("connections").EnumerateArray())
            if (c.GetProperty("peerId").GetString() == peerId && c.GetProperty("direction").GetString() == "in") return c;
        return null;
    }

    /// <summary>Sum of a Prometheus counter's samples whose labels include the value <paramref name="label"/> (0 when absent).</summary>
    private static double Counter(string metrics, string name, string label) => metrics.Split('\n')
        .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains($"=\"{label}\"", StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
