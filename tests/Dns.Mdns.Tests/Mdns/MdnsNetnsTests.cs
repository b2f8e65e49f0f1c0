using PluginMesh.Plugins.Dns.Mdns.Tests.Support;
using static PluginMesh.Plugins.Dns.Mdns.Tests.Support.MdnsHelpers;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Mdns;

/// <summary>Two C# nodes on a private LAN made of two network namespaces: real sockets, real multicast.</summary>
[Collection(NetnsCollection.Name)]
public sealed class MdnsNetnsTests
{
    private static readonly string AddrA = $"/ip4/10.77.0.1/tcp/4001/p2p/{PeerA}";
    private static readonly string AddrB = $"/ip4/10.77.0.2/tcp/4001/p2p/{PeerB}";

    [Fact]
    public async Task TwoNodes_DiscoverEachOther_WithTheirAddresses()
    {
        using var lan = new NetnsLan();
        using var a = StartNode(lan.A, "--advertise", AddrA, "--interval", "500");
        using var b = StartNode(lan.B, "--advertise", AddrB, "--interval", "500");

        var seenByA = await a.WaitForAsync(Event("mdns:peer", PeerB), Wait, "discovery of B by A");
        var seenByB = await b.WaitForAsync(Event("mdns:peer", PeerA), Wait, "discovery of A by B");

        Assert.Equal([AddrB], Strings(seenByA, "addrs"));
        Assert.Equal([AddrA], Strings(seenByB, "addrs"));
        Assert.Equal(120, seenByA.GetProperty("ttl").GetDouble());
    }

    [Fact]
    public async Task CleanStop_SendsGoodbye_PeerExpiresAtOnce()
    {
        using var lan = new NetnsLan();
        using var a = StartNode(lan.A, "--advertise", AddrA, "--interval", "500");
        using var b = StartNode(lan.B, "--advertise", AddrB, "--interval", "500", "--ttl", "3600");
        await a.WaitForAsync(Event("mdns:peer", PeerB), Wait, "discovery of B");

        Assert.True(await b.StopAsync(Wait), "B did not stop");
        Assert.True(b.Lines.Any(Event("stopped")), "B did not report a clean stop");

        // With a one-hour TTL, only the goodbye can make A forget B within the wait.
        await a.WaitForAsync(Event("mdns:expired", PeerB), Wait, "expiry of B after its goodbye");
    }

    [Fact]
    public async Task KilledPeer_ExpiresWhenItsTtlRunsOut()
    {
        using var lan = new NetnsLan();
        using var a = StartNode(lan.A, "--advertise", AddrA, "--interval", "500");
        using var b = StartNode(lan.B, "--advertise", AddrB, "--interval", "500", "--ttl", "2");
        await a.WaitForAsync(Event("mdns:peer", PeerB), Wait, "discovery of B");

        b.Kill(); // no goodbye
        await a.WaitForAsync(Event("mdns:expired", PeerB), Wait, "expiry of B by TTL");
    }

    [Fact]
    public async Task DefaultExcludes_SkipContainerBridgesAndOwnInterface()
    {
        using var lan = new NetnsLan();
        foreach (var (name, ip) in new[] { ("docker0", "172.17.0.1/16"), ("pluginmesh0", "169.254.96.16/32") })
        {
            NetnsLab.Ip("-n", lan.A, "link", "add", name, "type", "bridge");
            NetnsLab.Ip("-n", lan.A, "addr", "add", ip, "dev", name);
            NetnsLab.Ip("-n", lan.A, "link", "set", name, "up");
        }
        using var a = StartNode(lan.A, "--interval", "500");

        var ready = await a.WaitForAsync(Event("ready"), Wait, "ready");
        Assert.Equal(["lana"], Strings(ready, "interfaces"));
    }

    [Fact]
    public async Task HostilePackets_AreDroppedAndCounted_GenuinePeerStillFound()
    {
        using var lan = new NetnsLan();
        using var a = StartNode(lan.A, "--interval", "500");
        await a.WaitForAsync(Event("ready"), Wait, "ready");

        // From 10.77.0.3: malformed, a huge TXT set, a compression loop, then a flood of queries.
        using var hostile = ChildProcess.InNetns(lan.B, Dotnet, TestDll, "mdns-send", "--bind", "10.77.0.3",
            "--hex", Convert.ToHexString(MdnsPackets.Truncated()),
            "--hex", Convert.ToHexString(MdnsPackets.HugeTxt()),
            "--hex", Convert.ToHexString(MdnsPackets.CompressionLoop()));
        await hostile.WaitForAsync(Event("sent"), Wait, "hostile packets sent");
        using var flood = ChildProcess.InNetns(lan.B, Dotnet, TestDll, "mdns-send", "--bind", "10.77.0.3",
            "--hex", Convert.ToHexString(MdnsPackets.Query()), "--count", "2000");
        await flood.WaitForAsync(Event("sent"), Wait, "flood sent");

        // A genuine peer at another address of the same LAN is found all the same.
        using var b = StartNode(lan.B, "--advertise", AddrB, "--interval", "500");
        await a.WaitForAsync(Event("mdns:peer", PeerB), Wait, "discovery of B after the flood");

        await a.SendAsync("status");
        var status = (await a.WaitForAsync(Event("status"), Wait, "status")).GetProperty("status");
        var dropped = status.GetProperty("dropped");
        Assert.True(dropped.GetProperty("malformed").GetInt64() >= 2, dropped.GetRawText());
        Assert.True(dropped.GetProperty("too-large").GetInt64() >= 1, dropped.GetRawText());
        Assert.True(dropped.GetProperty("rate-limited").GetInt64() >= 1, dropped.GetRawText());
        Assert.Contains(status.GetProperty("peers").EnumerateArray(), p => p.GetProperty("peerId").GetString() == PeerB);
    }
}
