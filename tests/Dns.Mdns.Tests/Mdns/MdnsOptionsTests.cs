using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Dns.Mdns.Mdns;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Mdns;

/// <summary>The <c>mdns:</c> section and <c>dns.enabled</c>: every problem with its path, defaults that work.</summary>
public sealed class MdnsOptionsTests
{
    private static List<ConfigProblem> Validate(params (string Key, string? Value)[] values)
    {
        var problems = new List<ConfigProblem>();
        new DnsMdnsPlugin().Validate(new PluginValidationContext(DnsMdnsPlugin.PluginId, DictionaryConfiguration.Of(values), "plugins.dns.mdns", problems));
        return problems;
    }

    public static TheoryData<string, string, string, string> BadValues() => new()
    {
        { "mdns:enabled", "yes", "plugins.dns.mdns.mdns.enabled", "not true or false" },
        { "mdns:serviceName", "bad..name", "plugins.dns.mdns.mdns.serviceName", "not a DNS-SD service name" },
        { "mdns:serviceName", new string('a', 70) + ".local", "plugins.dns.mdns.mdns.serviceName", "not a DNS-SD service name" },
        { "mdns:intervalMs", "10", "plugins.dns.mdns.mdns.intervalMs", "between 100 and 3600000" },
        { "mdns:intervalMs", "soon", "plugins.dns.mdns.mdns.intervalMs", "not a whole number" },
        { "mdns:ttlSeconds", "0", "plugins.dns.mdns.mdns.ttlSeconds", "between 1 and 86400" },
        { "mdns:interfaces:1", "eth 0", "plugins.dns.mdns.mdns.interfaces[1]", "not an interface name" },
        { "mdns:excludeInterfaces:0", "*eth", "plugins.dns.mdns.mdns.excludeInterfaces[0]", "not an interface name" },
        { "mdns:advertise", "public", "plugins.dns.mdns.mdns.advertise", "not one of: private, all" },
        { "mdns:loopback", "2", "plugins.dns.mdns.mdns.loopback", "not true or false" },
        { "mdns:port", "5353", "plugins.dns.mdns.mdns.port", "unknown key" },
        { "mdns", "on", "plugins.dns.mdns.mdns", "expected a mapping" },
        { "dns:enabled", "no", "plugins.dns.mdns.dns.enabled", "not true or false" },
        { "dns:listen", "x", "plugins.dns.mdns.dns.listen", "unknown key" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Validate_BadValue_ReportsItsPath(string key, string value, string path, string message)
    {
        var problem = Assert.Single(Validate((key, value)));
        Assert.Equal(path, problem.Path);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ProblemsInBothHalves_AllReported()
    {
        var problems = Validate(("ttl", "x"), ("mdns:intervalMs", "x"), ("mdns:advertise", "x"));
        Assert.Equal(["plugins.dns.mdns.mdns.advertise", "plugins.dns.mdns.mdns.intervalMs", "plugins.dns.mdns.ttl"],
            problems.Select(p => p.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Read_Absent_Defaults()
    {
        var o = MdnsOptions.Read(DictionaryConfiguration.Of().GetSection("mdns"), (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.Equal(MdnsOptions.Default with { Interfaces = [], ExcludeInterfaces = [] }, o with { Interfaces = [], ExcludeInterfaces = [] });
        Assert.Equal(MdnsOptions.DefaultExcludes, o.ExcludeInterfaces);
        Assert.True(o.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(10), o.Interval);
        Assert.Equal(120u, o.Ttl);
        Assert.Equal(AdvertiseScope.Private, o.Advertise);
    }

    [Fact]
    public void Read_ExplicitlyEmptyExcludeList_ExcludesNothing_NotTheDefaults()
    {
        // `excludeInterfaces: []` reaches the plugin as the key with neither value nor children.
        var o = MdnsOptions.Read(DictionaryConfiguration.Of(("mdns:excludeInterfaces", null)).GetSection("mdns"), (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.Empty(o.ExcludeInterfaces);
        var absent = MdnsOptions.Read(DictionaryConfiguration.Of(("mdns:ttlSeconds", "60")).GetSection("mdns"), (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.Equal(MdnsOptions.DefaultExcludes, absent.ExcludeInterfaces);
    }

    [Fact]
    public void Read_CommaSeparatedInterfaces_Accepted()
    {
        var o = MdnsOptions.Read(DictionaryConfiguration.Of(("mdns:interfaces", "eth0, wlan*")).GetSection("mdns"), (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.Equal(["eth0", "wlan*"], o.Interfaces);
    }

    [Fact]
    public void DnsEnabledFalse_TurnsOffServerAndItsInterface()
    {
        var o = DnsOptions.Read(DictionaryConfiguration.Of(("dns:enabled", "false")), isRoot: true, (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.False(o.ServeDns);
        Assert.False(o.CreateInterface);
    }
}
