using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PluginMesh.Abstractions.Interception;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Status;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests;

public sealed class ProxyIptablesPluginTests
{
    [Fact]
    public void Descriptor_DeclaresIdAndCapabilities()
    {
        var d = new ProxyIptablesPlugin().Descriptor;
        Assert.Equal("proxy.iptables", d.Id);
        Assert.Equal(AbstractionsApi.Version, d.ApiVersion);
        Assert.Equal(["intercept", "service-connector"], d.Provides);
        Assert.Empty(d.Requires);
        Assert.Equal(["catalog.source", "tunnel", "directory"], d.Uses);
    }

    [Theory]
    [InlineData("iptables", true)]
    [InlineData("listen", false)]
    public void ConfigureServices_RegistersHostedServiceStatusAndInterceptorPerMode(string mode, bool interceptor)
    {
        using var meter = new Meter("test.plugin." + mode);
        using var source = new ActivitySource("test.plugin." + mode);
        var services = new ServiceCollection();
        var context = new PluginContext("proxy.iptables", DictionaryConfiguration.Of(("mode", mode)), new NodeSettings("node-a", "/tmp", "/tmp"), meter, source);
        new ProxyIptablesPlugin().ConfigureServices(services, context);
        Assert.Contains(services, s => s.ServiceType == typeof(IHostedService));
        Assert.Contains(services, s => s.ServiceType == typeof(IStatusContributor));
        Assert.Contains(services, s => s.ServiceType == typeof(IServiceConnector));
        Assert.Equal(interceptor, services.Any(s => s.ServiceType == typeof(ITrafficInterceptor)));
    }

    [Fact]
    public void ConfigureServices_BadConfig_ThrowsWithEveryProblem()
    {
        using var meter = new Meter("test.plugin.bad");
        using var source = new ActivitySource("test.plugin.bad");
        var context = new PluginContext("proxy.iptables", DictionaryConfiguration.Of(("mode", "x"), ("tcpPort", "x")), new NodeSettings("n", "/tmp", "/tmp"), meter, source);
        var ex = Assert.Throws<ConfigValidationException>(() => new ProxyIptablesPlugin().ConfigureServices(new ServiceCollection(), context));
        Assert.Equal(["plugins.proxy.iptables.mode", "plugins.proxy.iptables.tcpPort"], ex.Problems.Select(p => p.Path));
    }
}
