using Microsoft.Extensions.DependencyInjection;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Plugins;

namespace PluginMesh.Host.Tests.Plugins;

public sealed class StartOrderTests
{
    private sealed class Descriptive(PluginDescriptor descriptor) : IPluginMeshPlugin
    {
        public PluginDescriptor Descriptor { get; } = descriptor;

        public void Validate(PluginValidationContext context)
        {
        }

        public void ConfigureServices(IServiceCollection services, PluginContext context)
        {
        }
    }

    private static LoadedPlugin P(string id, string[] provides, string[] requires, string[] uses) =>
        new(id, id + ".dll", null, new Descriptive(new PluginDescriptor(id, new Version(1, 0), AbstractionsApi.Version, provides, requires, uses, id)), null);

    private static List<string> Order(List<ConfigProblem> problems, params LoadedPlugin[] plugins) =>
        StartOrder.Compute(plugins, problems).Select(p => p.Id).ToList();

    [Fact]
    public void RequiredAndUsedProviders_StartFirst()
    {
        var problems = new List<ConfigProblem>();
        var order = Order(problems,
            P("a.proxy", ["intercept"], ["tunnel"], ["catalog.source"]),
            P("b.catalog", ["catalog.source"], [], ["cache"]),
            P("c.cache", ["cache"], [], []),
            P("d.tunnel", ["tunnel"], [], ["cache"]));
        Assert.Empty(problems);
        Assert.True(order.IndexOf("c.cache") < order.IndexOf("b.catalog"));
        Assert.True(order.IndexOf("b.catalog") < order.IndexOf("a.proxy"));
        Assert.True(order.IndexOf("d.tunnel") < order.IndexOf("a.proxy"));
    }

    [Fact]
    public void CycleThroughOptionalUses_IsBrokenNotAnError()
    {
        var problems = new List<ConfigProblem>();
        var order = Order(problems,
            P("directory.p2p", ["directory"], [], ["relay", "cache"]),
            P("tunnel.relay", ["relay"], [], ["directory"]),
            P("cache.litedb", ["cache"], [], []));
        Assert.Empty(problems);
        Assert.Equal("cache.litedb", order[0]);
        Assert.Equal(3, order.Count);
    }

    [Fact]
    public void CycleThroughRequires_IsAnError()
    {
        var problems = new List<ConfigProblem>();
        Order(problems, P("x.one", ["one"], ["two"], []), P("x.two", ["two"], ["one"], []));
        Assert.Contains(problems, p => p.Message.StartsWith("required capability cycle between x.one, x.two", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingRequiredCapability_IsAnError_MissingUsedOneIsNot()
    {
        var problems = new List<ConfigProblem>();
        Order(problems, P("x.one", [], ["nobody"], ["nobody-either"]));
        Assert.Equal(["plugins.x.one: requires capability 'nobody', which no enabled plugin provides"], problems.Select(p => p.ToString()));
    }
}
