using System.Net;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;

namespace PluginMesh.Plugins.Dns.Mdns.Tests;

/// <summary>Config validation: every problem reported at once, each with its key path.</summary>
public sealed class DnsOptionsTests
{
    private static List<ConfigProblem> Validate(bool isRoot, params (string Key, string? Value)[] values)
    {
        var problems = new List<ConfigProblem>();
        var context = new PluginValidationContext(DnsMdnsPlugin.PluginId, DictionaryConfiguration.Of(values), "plugins.dns.mdns", problems);
        DnsOptions.Read(context.Section, isRoot, context.Error);
        return problems;
    }

    public static TheoryData<string, string, string, string> BadValues() => new()
    {
        { "clusterDomain", "bad_domain!", "plugins.dns.mdns.clusterDomain", "not a valid domain name" },
        { "clusterDomain", "-a.local", "plugins.dns.mdns.clusterDomain", "not a valid domain name" },
        { "ttl", "five", "plugins.dns.mdns.ttl", "not a whole number" },
        { "ttl", "-1", "plugins.dns.mdns.ttl", "between 0 and 86400" },
        { "listen:0", "localhost:53", "plugins.dns.mdns.listen[0]", "not an IP address" },
        { "listen:0", "127.0.0.1:70000", "plugins.dns.mdns.listen[0]", "invalid port" },
        { "listen:0", "[::1:53", "plugins.dns.mdns.listen[0]", "no closing ']'" },
        { "listen:0", "", "plugins.dns.mdns.listen[0]", "must not be empty" },
        { "upstreams:0", "8.8.8.8:0", "plugins.dns.mdns.upstreams[0]", "port 0" },
        { "upstreams:1", "dns.google", "plugins.dns.mdns.upstreams[1]", "not an IP address" },
        { "createInterface", "yes", "plugins.dns.mdns.createInterface", "not true or false" },
        { "createInterface", "true", "plugins.dns.mdns.createInterface", "needs root" },
        { "interface", "a-very-long-interface-name", "plugins.dns.mdns.interface", "not a valid interface name" },
        { "upstreamTimeoutMs", "10", "plugins.dns.mdns.upstreamTimeoutMs", "between 50 and 60000" },
        { "cacheSize", "-5", "plugins.dns.mdns.cacheSize", "between 0 and 1000000" },
        { "maxNegativeTtl", "99999", "plugins.dns.mdns.maxNegativeTtl", "between 0 and 10800" },
        { "maxCacheTtl", "x", "plugins.dns.mdns.maxCacheTtl", "not a whole number" },
        { "tcpIdleTimeoutMs", "0", "plugins.dns.mdns.tcpIdleTimeoutMs", "between 100 and 600000" },
        { "maxTcpConnections", "0", "plugins.dns.mdns.maxTcpConnections", "between 1 and 65536" },
        { "resolvConf", "", "plugins.dns.mdns.resolvConf", "must be a file path" },
        { "listenn", "127.0.0.1:53", "plugins.dns.mdns.listenn", "unknown key" },
        { "dns:bogus", "true", "plugins.dns.mdns.dns.bogus", "unknown key" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Validate_BadValue_ReportsItsPath(string key, string value, string path, string message)
    {
        var problems = Validate(false, (key, value));
        var problem = Assert.Single(problems);
        Assert.Equal(path, problem.Path);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEveryOne()
    {
        var problems = Validate(false, ("ttl", "x"), ("listen:0", "nope"), ("listen:1", "127.0.0.1:5353"), ("listen:2", "127.0.0.1:5353"), ("bogus", "1"));
        Assert.Equal(
            ["plugins.dns.mdns.bogus", "plugins.dns.mdns.listen[0]", "plugins.dns.mdns.listen[2]", "plugins.dns.mdns.ttl"],
            problems.Select(p => p.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validate_EnabledKey_IsLeftToTheHost() => Assert.Empty(Validate(false, ("enabled", "maybe")));

    [Fact]
    public void PluginValidate_CollectsProblemsUnderItsSection()
    {
        var problems = new List<ConfigProblem>();
        new DnsMdnsPlugin().Validate(new PluginValidationContext(DnsMdnsPlugin.PluginId,
            DictionaryConfiguration.Of(("ttl", "x"), ("listen:0", "127.0.0.1:5353")), "plugins.dns.mdns", problems));
        Assert.Equal("plugins.dns.mdns.ttl", Assert.Single(problems).Path);
    }

    [Fact]
    public void Read_Empty_UnprivilegedDefaults()
    {
        var options = DnsOptions.Read(DictionaryConfiguration.Of(), isRoot: false, (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.Equal("cluster.local", options.ClusterDomain);
        Assert.Equal(5u, options.Ttl);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 5353)], options.Listen);
        Assert.False(options.CreateInterface);
        Assert.Equal("/etc/resolv.conf", options.ResolvConf);
        Assert.Empty(options.Upstreams);
    }

    [Fact]
    public void Read_Empty_RootDefaultsToTheEdgeMeshAddressOnADummyInterface()
    {
        var options = DnsOptions.Read(DictionaryConfiguration.Of(), isRoot: true, (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.Equal([new IPEndPoint(IPAddress.Parse("169.254.96.16"), 53)], options.Listen);
        Assert.True(options.CreateInterface);
        Assert.Equal("pluginmesh0", options.InterfaceName);
        Assert.True(options.InterfaceDefaulted);
    }

    [Theory]
    [InlineData("createInterface", "true")]
    [InlineData("listen", "169.254.96.16:53")]
    public void Read_InterfaceOrListenConfigured_IsARequirement_NotADefaultThatFallsBack(string key, string value)
    {
        var options = DnsOptions.Read(DictionaryConfiguration.Of((key, value)), isRoot: true, (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.False(options.InterfaceDefaulted);
    }

    [Fact]
    public void Read_NotRoot_HasNoInterfaceToFallBackFrom() =>
        Assert.False(DnsOptions.Read(DictionaryConfiguration.Of(), isRoot: false, (k, m) => Assert.Fail($"{k}: {m}")).InterfaceDefaulted);

    [Fact]
    public void Read_ListenAsSingleValueAndIpv6_Parses()
    {
        var options = DnsOptions.Read(DictionaryConfiguration.Of(("listen", "[::1]:5300"), ("upstreams:0", "192.0.2.1"), ("clusterDomain", "Edge.Example.")),
            isRoot: false, (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.Equal([new IPEndPoint(IPAddress.IPv6Loopback, 5300)], options.Listen);
        Assert.Equal([new IPEndPoint(IPAddress.Parse("192.0.2.1"), 53)], options.Upstreams);
        Assert.Equal("edge.example", options.ClusterDomain);
    }
}
