using System.Net;
using Microsoft.Extensions.Configuration;
using PluginMesh.Plugins.Dns.Mdns.Mdns;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;

namespace PluginMesh.Plugins.Dns.Mdns.Tests;

/// <summary>The README's configuration example is valid and means what the README says.</summary>
public sealed class ReadmeTests
{
    private static string ReadmePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PluginMesh.sln"))) return Path.Combine(dir.FullName, "plugins", "Dns.Mdns", "README.md");
        throw new InvalidOperationException("PluginMesh.sln not found");
    }

    [Fact]
    public void ReadmeExample_ParsesWithoutProblems()
    {
        var problems = new List<string>();
        var options = DnsOptions.Read(ReadmeYaml.PluginSection(ReadmePath(), DnsMdnsPlugin.PluginId), isRoot: true, (k, m) => problems.Add($"{k}: {m}"));

        Assert.Empty(problems);
        Assert.Equal("cluster.local", options.ClusterDomain);
        Assert.Equal(5u, options.Ttl);
        Assert.Equal([IPEndPoint.Parse("169.254.96.16:53"), IPEndPoint.Parse("127.0.0.1:5353")], options.Listen);
        Assert.True(options.CreateInterface);
        Assert.Equal([IPEndPoint.Parse("10.0.0.2:53"), IPEndPoint.Parse("[2001:db8::53]:53")], options.Upstreams);
        Assert.Equal(TimeSpan.FromSeconds(2), options.UpstreamTimeout);
        Assert.Equal(10000, options.CacheSize);
        Assert.Equal(300u, options.MaxNegativeTtl);
    }

    [Fact]
    public void ReadmeMdnsExample_ParsesWithoutProblems()
    {
        var section = ReadmeYaml.PluginSections(ReadmePath(), DnsMdnsPlugin.PluginId).Single(s => s.GetSection("mdns").Exists());
        var problems = new List<string>();
        var dns = DnsOptions.Read(section, isRoot: true, (k, m) => problems.Add($"{k}: {m}"));
        var mdns = MdnsOptions.Read(section.GetSection("mdns"), (k, m) => problems.Add($"mdns:{k}: {m}"));

        Assert.Empty(problems);
        Assert.False(dns.ServeDns);
        Assert.False(dns.CreateInterface);
        Assert.Equal(MdnsOptions.Default with { Interfaces = [], ExcludeInterfaces = [] }, mdns with { Interfaces = [], ExcludeInterfaces = [] });
        Assert.Empty(mdns.Interfaces);
        Assert.Equal(MdnsOptions.DefaultExcludes, mdns.ExcludeInterfaces);
    }

    [Fact]
    public void ReadmeMdnsKeys_EveryKeyIsDocumented()
    {
        var text = File.ReadAllText(ReadmePath());
        foreach (var key in MdnsOptions.Keys)
            Assert.Contains($"`{key}`", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadmeExample_EveryKeyIsDocumented()
    {
        var text = File.ReadAllText(ReadmePath());
        foreach (var key in DnsOptions.Keys.Where(k => k != "enabled"))
            Assert.Contains($"`{key}`", text, StringComparison.Ordinal);
    }
}
