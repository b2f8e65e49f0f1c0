using System.Net;
using PluginMesh.Plugins.Dns.Mdns.Forwarding;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Forwarding;

/// <summary>Upstreams from resolv.conf, without loops back to ourselves.</summary>
public sealed class ResolvConfTests
{
    private const string Text = """
        # written by the node's network manager
        search default.svc.cluster.local svc.cluster.local
        nameserver 169.254.96.16
        nameserver 10.0.0.2
        ; comment
        nameserver   2001:db8::53
        nameserver 10.0.0.2
        nameserver not-an-ip
        options ndots:5
        """;

    [Fact]
    public void Parse_SkipsOurListenAddressDuplicatesAndJunk()
    {
        var upstreams = ResolvConf.Parse(Text, [new IPEndPoint(IPAddress.Parse("169.254.96.16"), 53)]);
        Assert.Equal(["10.0.0.2:53", "[2001:db8::53]:53"], upstreams.Select(u => u.ToString()));
    }

    [Theory]
    [InlineData("127.0.0.1:53", "127.0.0.1", true)]
    [InlineData("0.0.0.0:53", "127.0.0.53", true)]
    [InlineData("0.0.0.0:5353", "127.0.0.53", false)]
    [InlineData("127.0.0.1:5353", "127.0.0.1", false)]
    [InlineData("[::]:53", "::1", true)]
    public void IsOwn_MatchesExactAndWildcardBinds(string listen, string nameserver, bool own) =>
        Assert.Equal(own, ResolvConf.IsOwn(new IPEndPoint(IPAddress.Parse(nameserver), 53), [IPEndPoint.Parse(listen)]));
}
