using PluginMesh.Plugins.Dns.Mdns.Tests.Support;
using static PluginMesh.Plugins.Dns.Mdns.Tests.Support.MdnsHelpers;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Mdns;

/// <summary>
/// Interop with js-libp2p 3.3.11 + @libp2p/mdns 12.0.32 (tests/Dns.Mdns.Tests/js): each side
/// discovers the other on a namespace LAN. js then dials what it found; our advertised port has no
/// listener, so that dial fails, which is expected here (js connecting to a real agent it discovered
/// is <see cref="JsAgentInteropTests"/>).
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class JsInteropTests
{
    [Fact]
    public async Task JsNode_AndCSharpNode_DiscoverEachOther()
    {
        var js = JsDir();
        Assert.True(Directory.Exists(Path.Combine(js, "node_modules", "@libp2p", "mdns")), "run build/test-deps.sh (npm ci in tests/Dns.Mdns.Tests/js) first");
        using var lan = new NetnsLan();
        var ours = $"/ip4/10.77.0.1/tcp/4001/p2p/{PeerA}";
        using var csharp = StartNode(lan.A, "--advertise", ours, "--interval", "1000");
        using var node = ChildProcess.InNetns(lan.B, "node", Path.Combine(js, "mdns.mjs"), "--seed", "bob", "--port", "4002", "--interval", "1000");

        var ready = await node.WaitForAsync(Event("ready"), Wait, "js ready");
        Assert.Equal(PeerB, ready.GetProperty("peerId").GetString());

        // js advertises its private addresses (loopback and the LAN one), each with /p2p/<id>.
        var found = await csharp.WaitForAsync(Event("mdns:peer", PeerB), Wait, "discovery of the js node");
        var addrs = Strings(found, "addrs");
        Assert.Contains($"/ip4/10.77.0.2/tcp/4002/p2p/{PeerB}", addrs);
        Assert.All(addrs, a => Assert.EndsWith("/p2p/" + PeerB, a, StringComparison.Ordinal));

        // js reports our PeerId and our address (it strips the /p2p/ part from the multiaddrs it emits).
        var theirs = await node.WaitForAsync(Event("mdns:peer", PeerA), Wait, "discovery of the C# node by js");
        Assert.Equal(["/ip4/10.77.0.1/tcp/4001"], Strings(theirs, "addrs").Select(a => a.Replace("/p2p/" + PeerA, "", StringComparison.Ordinal)));
    }
}
