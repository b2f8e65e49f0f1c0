using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PluginMesh.Abstractions.Dns;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Status;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;

namespace PluginMesh.Plugins.Dns.Mdns.Tests;

/// <summary>The entry type: descriptor, and registrations without side effects.</summary>
public sealed class DnsMdnsPluginTests
{
    [Fact]
    public void Descriptor_ProvidesDnsAndDiscovery_UsesCatalogSources()
    {
        var descriptor = new DnsMdnsPlugin().Descriptor;
        Assert.Equal("dns.mdns", descriptor.Id);
        Assert.Equal(["dns", "discovery"], descriptor.Provides);
        Assert.Empty(descriptor.Requires);
        Assert.Equal(["catalog.source"], descriptor.Uses);
        Assert.Equal(AbstractionsApi.Version, descriptor.ApiVersion);
    }

    [Fact]
    public void ConfigureServices_RegistersResponderStatusAndHostedService()
    {
        using var meter = new Meter("PluginMesh.dns.mdns");
        using var activities = new ActivitySource("PluginMesh.dns.mdns");
        var services = new ServiceCollection();
        new DnsMdnsPlugin().ConfigureServices(services, new PluginContext("dns.mdns",
            DictionaryConfiguration.Of(("listen:0", "127.0.0.1:5353"), ("createInterface", "false")),
            new NodeSettings("node-a", Path.GetTempPath(), Path.GetTempPath()), meter, activities));

        Assert.Contains(services, d => d.ServiceType == typeof(IDnsResponder));
        Assert.Contains(services, d => d.ServiceType == typeof(IStatusContributor));
        Assert.Contains(services, d => d.ServiceType == typeof(IHostedService));
    }

    [Fact]
    public void ConfigureServices_InvalidConfig_ThrowsWithEveryProblem()
    {
        using var meter = new Meter("PluginMesh.dns.mdns");
        using var activities = new ActivitySource("PluginMesh.dns.mdns");
        var ex = Assert.Throws<ConfigValidationException>(() => new DnsMdnsPlugin().ConfigureServices(new ServiceCollection(),
            new PluginContext("dns.mdns", DictionaryConfiguration.Of(("ttl", "x"), ("cacheSize", "y")),
                new NodeSettings("node-a", Path.GetTempPath(), Path.GetTempPath()), meter, activities)));
        Assert.Equal(["plugins.dns.mdns.cacheSize", "plugins.dns.mdns.ttl"], ex.Problems.Select(p => p.Path).Order(StringComparer.Ordinal));
    }
}
