using PluginMesh.P2p;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Abstractions.Dns;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Status;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Mdns;

/// <summary>What the plugin registers for each combination of halves (a p2p command's node: tests/Host.Tests/Cli/P2pMdnsCommandTests.cs).</summary>
public sealed class DnsMdnsPluginMdnsTests
{
    private static TestServiceProvider Build(params (string Key, string? Value)[] values)
    {
        var services = new ServiceCollection();
        var meter = new Meter("test.dns.mdns." + Guid.NewGuid().ToString("N"));
        new DnsMdnsPlugin().ConfigureServices(services, new PluginContext(DnsMdnsPlugin.PluginId,
            DictionaryConfiguration.Of([("listen:0", "127.0.0.1:0"), .. values]), new NodeSettings("n", "/tmp", "/tmp"), meter, new ActivitySource("test")));
        return new TestServiceProvider(services);
    }

    [Fact]
    public void ConfigureServices_Default_BothHalves()
    {
        using var sp = Build();
        Assert.Equal("mdns", Assert.Single(sp.GetServices<IPeerDiscovery>()).Name);
        Assert.NotNull(sp.GetService<IDnsResponder>());
        Assert.Equal(2, sp.GetServices<IHostedService>().Count());
        var status = (DnsStatus)Assert.Single(sp.GetServices<IStatusContributor>()).GetStatus();
        Assert.True(status.Serving);
        Assert.True(status.Mdns!.Enabled);
    }

    [Fact]
    public void ConfigureServices_MdnsOnly_NoDnsServer()
    {
        using var sp = Build(("dns:enabled", "false"));
        Assert.Null(sp.GetService<IDnsResponder>());
        Assert.Single(sp.GetServices<IPeerDiscovery>());
        Assert.Single(sp.GetServices<IHostedService>());
        var status = (DnsStatus)sp.GetRequiredService<IStatusContributor>().GetStatus();
        Assert.False(status.Serving);
        Assert.True(status.Mdns!.Enabled);
    }

    [Fact]
    public void ConfigureServices_MdnsDisabled_NothingConstructed()
    {
        using var sp = Build(("mdns:enabled", "false"));
        Assert.Empty(sp.GetServices<IPeerDiscovery>());
        Assert.False(((DnsStatus)sp.GetRequiredService<IStatusContributor>().GetStatus()).Mdns!.Enabled);
    }
}
