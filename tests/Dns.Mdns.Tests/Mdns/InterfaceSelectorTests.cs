using System.Net;
using PluginMesh.Plugins.Dns.Mdns.Mdns;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Mdns;

/// <summary>Which interfaces are joined: usable ones, minus the excluded names, or exactly the allowed ones.</summary>
public sealed class InterfaceSelectorTests
{
    private static readonly IPAddress Ip = IPAddress.Parse("10.0.0.1");

    private static List<MdnsInterface> Host() =>
    [
        new("eth0", 2, true, true, Ip),
        new("lo", 1, true, false, IPAddress.Loopback),
        new("docker0", 3, true, true, Ip),
        new("br-1a2b3c", 4, true, true, Ip),
        new("veth12ab", 5, true, true, Ip),
        new("cni0", 6, true, true, Ip),
        new("flannel.1", 7, true, true, Ip),
        new("cali123", 8, true, true, Ip),
        new("kube-ipvs0", 9, true, true, Ip),
        new("pluginmesh0", 10, true, true, Ip),
        new("wlan0", 11, false, true, Ip),
        new("eth1", 12, true, true, null),
        new("eth2", 13, true, true, Ip),
    ];

    private static (List<string> Chosen, List<string> Skipped) Select(MdnsOptions options)
    {
        var skipped = new List<string>();
        return (InterfaceSelector.Select(Host(), options, skipped).Select(i => i.Name).ToList(), skipped);
    }

    [Fact]
    public void Select_Defaults_SkipContainerAndOwnInterfaces()
    {
        var (chosen, skipped) = Select(MdnsOptions.Default);
        Assert.Equal(["eth0", "eth2"], chosen);
        Assert.Contains("lo: no multicast", skipped);
        Assert.Contains("wlan0: down", skipped);
        Assert.Contains("eth1: no IPv4 address", skipped);
        Assert.Contains("pluginmesh0: the agent's own DNS interface", skipped);
        Assert.Contains("docker0: excluded", skipped);
    }

    [Fact]
    public void Select_AllowList_WinsOverExcludes()
    {
        var (chosen, skipped) = Select(MdnsOptions.Default with { Interfaces = ["docker0", "eth*"] });
        Assert.Equal(["eth0", "docker0", "eth2"], chosen);
        Assert.Contains("cni0: not in interfaces", skipped);
    }

    [Fact]
    public void Select_CustomExcludes_ReplaceDefaults_ButNeverTheOwnInterface()
    {
        var (chosen, skipped) = Select(MdnsOptions.Default with { ExcludeInterfaces = ["eth*"] });
        Assert.DoesNotContain("eth0", chosen);
        Assert.Contains("docker0", chosen);
        Assert.Contains("pluginmesh0: the agent's own DNS interface", skipped);
    }

    [Theory]
    [InlineData("eth*", "eth0", true)]
    [InlineData("eth*", "veth0", false)]
    [InlineData("eth0", "eth01", false)]
    [InlineData("*", "anything", true)]
    public void Matches_PrefixOrExact(string pattern, string name, bool expected) =>
        Assert.Equal(expected, InterfaceSelector.Matches(pattern, name));
}
