using System.Net;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Proxy.Iptables.Balancing;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;
using PluginMesh.Plugins.Proxy.Iptables.Tunnel;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests;

public sealed class ProxyOptionsTests
{
    private static List<ConfigProblem> Validate(params (string Key, string? Value)[] values)
    {
        var problems = new List<ConfigProblem>();
        new ProxyIptablesPlugin().Validate(new PluginValidationContext("proxy.iptables", DictionaryConfiguration.Of(values), "plugins.proxy.iptables", problems));
        return problems;
    }

    [Fact]
    public void Read_Empty_GivesDefaults()
    {
        var o = ProxyOptions.Read(DictionaryConfiguration.Of(), (k, m) => Assert.Fail($"{k}: {m}"));
        var d = new ProxyOptions();
        Assert.Equal(d, o with { RoutableCidrs = d.RoutableCidrs, DirectNodes = d.DirectNodes, TunnelServeCidrs = d.TunnelServeCidrs, TunnelDeniedPorts = d.TunnelDeniedPorts });
        Assert.Equal([10250, 10255], o.TunnelDeniedPorts);
        Assert.Equal(TunnelMembers.Bound, o.TunnelMembers);
        Assert.False(o.TunnelAllowControlPlane);
        Assert.Equal(ProxyMode.Auto, o.Mode);
        Assert.Equal(IPAddress.Loopback, o.ListenAddress);
        Assert.Empty(o.RoutableCidrs);
    }

    [Fact]
    public void Validate_EnabledKey_IsTheHosts_NotAnError() => Assert.Empty(Validate(("enabled", "true")));

    [Theory]
    [InlineData("mode", "kernel", "plugins.proxy.iptables.mode")]
    [InlineData("mode", "1", "plugins.proxy.iptables.mode")]
    [InlineData("tcpPort", "70000", "plugins.proxy.iptables.tcpPort")]
    [InlineData("listenAddress", "localhost", "plugins.proxy.iptables.listenAddress")]
    [InlineData("nodePortAddress", "all", "plugins.proxy.iptables.nodePortAddress")]
    [InlineData("portRange", "32000-30000", "plugins.proxy.iptables.portRange")]
    [InlineData("portRange", "0-10", "plugins.proxy.iptables.portRange")]
    [InlineData("udpIdleTimeoutMs", "10", "plugins.proxy.iptables.udpIdleTimeoutMs")]
    [InlineData("loadBalancer", "weighted", "plugins.proxy.iptables.loadBalancer")]
    [InlineData("routableCidrs:1", "10.0.0.0/33", "plugins.proxy.iptables.routableCidrs[1]")]
    [InlineData("directNodes:0", " ", "plugins.proxy.iptables.directNodes[0]")]
    [InlineData("netns", "../etc", "plugins.proxy.iptables.netns")]
    [InlineData("iptablesBinary", "iptables -t", "plugins.proxy.iptables.iptablesBinary")]
    [InlineData("ejectAfterFailures", "0", "plugins.proxy.iptables.ejectAfterFailures")]
    [InlineData("serveTunnel", "yes", "plugins.proxy.iptables.serveTunnel")]
    [InlineData("zeroCopy", "always", "plugins.proxy.iptables.zeroCopy")]
    [InlineData("flatPodNetwork", "yes", "plugins.proxy.iptables.flatPodNetwork")]
    [InlineData("flatPodNetworkLabel", "zone", "plugins.proxy.iptables.flatPodNetworkLabel")]
    [InlineData("flatPodNetworkLabel", "a zone", "plugins.proxy.iptables.flatPodNetworkLabel")]
    [InlineData("listenPort", "1", "plugins.proxy.iptables.listenPort")]
    [InlineData("tunnelMembers", "anyone", "plugins.proxy.iptables.tunnelMembers")]
    [InlineData("tunnelServeCidrs:0", "10.1.0.0/40", "plugins.proxy.iptables.tunnelServeCidrs[0]")]
    [InlineData("tunnelAllowControlPlane", "maybe", "plugins.proxy.iptables.tunnelAllowControlPlane")]
    [InlineData("tunnelDeniedPorts:0", "0", "plugins.proxy.iptables.tunnelDeniedPorts[0]")]
    [InlineData("keepClientSource", "sometimes", "plugins.proxy.iptables.keepClientSource")]
    [InlineData("clientSourceMark", "0x3", "plugins.proxy.iptables.clientSourceMark")]
    [InlineData("clientSourceMark", "0x80000000", "plugins.proxy.iptables.clientSourceMark")]
    [InlineData("clientSourceMark", "0", "plugins.proxy.iptables.clientSourceMark")]
    [InlineData("clientSourceMark", "mark", "plugins.proxy.iptables.clientSourceMark")]
    [InlineData("clientSourceTable", "254", "plugins.proxy.iptables.clientSourceTable")]
    [InlineData("clientSourceTable", "0", "plugins.proxy.iptables.clientSourceTable")]
    public void Validate_BadValue_ReportsItsPath(string key, string value, string path)
    {
        var values = new List<(string, string?)> { (key, value) };
        if (key == "routableCidrs:1") values.Add(("routableCidrs:0", "10.244.0.0/16"));
        // "zone" alone is refused only because flatPodNetwork is not on; "a zone" is no label key even with it.
        if (value == "a zone") values.Add(("flatPodNetwork", "true"));
        var problem = Assert.Single(Validate([.. values]));
        Assert.Equal(path, problem.Path);
    }

    [Theory]
    [InlineData("0x200", 0x200u)]
    [InlineData("0X40000000", 0x40000000u)]
    [InlineData("1048576", 0x100000u)]
    public void Read_ClientSourceMark_OneBitInHexOrDecimal(string value, uint expected)
    {
        Assert.Equal(expected, ProxyOptions.Read(DictionaryConfiguration.Of(("clientSourceMark", value)), (k, m) => Assert.Fail($"{k}: {m}")).ClientSourceMark);
    }

    [Fact]
    public void Validate_SeveralProblems_AllReported()
    {
        var problems = Validate(("mode", "x"), ("tcpPort", "-1"), ("loadBalancer", "y"));
        Assert.Equal(3, problems.Count);
    }

    [Fact]
    public void Read_Lists_AndNames()
    {
        var o = ProxyOptions.Read(DictionaryConfiguration.Of(("routableCidrs:0", "10.244.0.0/16"), ("routableCidrs:1", "fd00::/64"),
            ("directNodes:0", "cloud-1"), ("loadBalancer", "LEAST_CONN"), ("portRange", "auto")), (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.Equal([IPNetwork.Parse("10.244.0.0/16"), IPNetwork.Parse("fd00::/64")], o.RoutableCidrs);
        Assert.Equal(["cloud-1"], o.DirectNodes);
        Assert.Equal(LoadBalancerKind.LeastConnections, o.LoadBalancer);
        Assert.Null(o.PortRange);
    }

    [Fact]
    public void Read_FlatPodNetwork_WithAndWithoutLabel()
    {
        Assert.False(ProxyOptions.Read(DictionaryConfiguration.Of(), (k, m) => Assert.Fail($"{k}: {m}")).FlatPodNetwork);
        var o = ProxyOptions.Read(DictionaryConfiguration.Of(("flatPodNetwork", "true"), ("flatPodNetworkLabel", "topology.kubernetes.io/zone")),
            (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.Equal((true, "topology.kubernetes.io/zone"), (o.FlatPodNetwork, o.FlatPodNetworkLabel));
        var problem = Assert.Single(Validate(("flatPodNetwork", "false"), ("flatPodNetworkLabel", "zone")));
        Assert.Contains("only meaningful with flatPodNetwork: true", problem.Message, StringComparison.Ordinal);
    }
}
