using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Hosting;
using PluginMesh.Host.Plugins;

namespace PluginMesh.Host.Tests.Hosting;

public sealed class LifecycleTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private AgentPlan Plan(string pluginsYaml, params string[] plugins)
    {
        var dir = _tmp.Plugins(plugins);
        var journal = Path.Combine(_tmp.Path, "journal.txt");
        var yaml = $"""
            profile: none
            node:
              name: test-node
              dataDir: {_tmp.Path}/data
            admin:
              listen: 127.0.0.1:0
            logging:
              level: Warning
            plugins:
            {pluginsYaml.Replace("$J", journal, StringComparison.Ordinal)}
            """;
        return AgentHost.Plan(_tmp.File("agent.yaml", yaml), new PluginDirectoryOptions([dir], SkipDefault: true), NullLogger.Instance);
    }

    private string[] Journal() => File.ReadAllLines(Path.Combine(_tmp.Path, "journal.txt"));

    [Fact]
    public async Task Start_RunsPluginsInDependencyOrder_AndStopsInReverse()
    {
        var plan = Plan("  test.good:\n    journal: $J\n  test.a-dependent:\n    journal: $J", "Good", "Dependent");
        Assert.Equal(["test.good", "test.a-dependent"], plan.Plugins.Ordered.Select(p => p.Id));

        await using (var app = AgentHost.Build(plan))
        {
            await app.StartAsync();
            Assert.True(app.Services.GetRequiredService<PluginRuntime>().Ready);
            Assert.All(plan.Plugins.Ordered, p => Assert.Equal(PluginState.Running, p.State));
            await app.StopAsync();
        }

        Assert.Equal(["start test.good", "start test.a-dependent", "stop test.a-dependent", "stop test.good"], Journal());
        Assert.All(plan.Plugins.Ordered, p => Assert.Equal(PluginState.Stopped, p.State));
    }

    [Fact]
    public async Task Start_PluginThrows_StopsThoseStartedAndNamesThePlugin()
    {
        var plan = Plan("  test.good:\n    journal: $J\n  test.failstart:\n    journal: $J", "Good", "FailStart");
        await using var app = AgentHost.Build(plan);
        var ex = await Assert.ThrowsAsync<PluginMeshException>(() => app.StartAsync());
        Assert.Equal("test.failstart", ex.PluginId);
        Assert.Equal("start", ex.Action);
        Assert.Contains("refusing to start", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["start test.good", "start test.failstart", "stop test.failstart", "stop test.good"], Journal());
        Assert.Equal(PluginState.Failed, plan.Plugins.Ordered.Single(p => p.Id == "test.failstart").State);
        await app.StopAsync(); // safe after a partial start
    }

    [Fact]
    public async Task ServicesCommand_ShowsTheRunningAgentsCatalog()
    {
        var plan = Plan("  test.good: {}", "Good");
        await using var app = AgentHost.Build(plan);
        await app.StartAsync();
        var admin = new Uri(app.Urls.Single()).Authority;
        var sink = app.Services.GetRequiredService<ICatalogSink>();
        var key = new ServiceKey("demo", "web");
        await sink.ReplaceAsync("file", [
            new CatalogChange(CatalogObjectKind.Service, "demo/web", new MeshService(key, [System.Net.IPAddress.Parse("10.96.0.10")], [new ServicePort("http", 80, TransportProtocol.Tcp, 8080)])),
            new CatalogChange(CatalogObjectKind.Endpoints, "demo/web", new ServiceEndpoints(key, [
                new MeshEndpoint(System.Net.IPAddress.Parse("10.244.1.5"), "node-b", true, []),
                new MeshEndpoint(System.Net.IPAddress.Parse("10.244.2.7"), "node-c", false, [])])),
        ], default);

        using var output = new StringWriter();
        var code = await PluginMesh.Cli.CliApp.RunAsync(["services", "--admin", admin], new PluginMesh.Cli.CliIo(output, TextWriter.Null, default));
        Assert.Equal(0, code);
        var row = output.ToString().Split('\n').Single(l => l.StartsWith("demo/web", StringComparison.Ordinal));
        Assert.Contains("10.96.0.10", row, StringComparison.Ordinal);
        Assert.Contains("80/tcp (http)", row, StringComparison.Ordinal);
        Assert.Contains("1/2", row, StringComparison.Ordinal);
        Assert.Contains("node-b,node-c", row, StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task PeersAndPing_WithoutATunnelPlugin_SayWhatIsMissing()
    {
        // The commands are tunnel.libp2p's (installed for the CLI); the agent runs without it.
        var plan = Plan("  test.good: {}", "Good");
        await using var app = AgentHost.Build(plan);
        await app.StartAsync();
        var admin = new Uri(app.Urls.Single()).Authority;
        string[] cli = ["--no-default-plugins", "--plugins-dir", TestPaths.PluginsDir];

        using var output = new StringWriter();
        Assert.Equal(0, await PluginMesh.Cli.CliApp.RunAsync([.. cli, "peers", "--admin", admin], new PluginMesh.Cli.CliIo(output, TextWriter.Null, default)));
        Assert.StartsWith("reachability: unknown", output.ToString(), StringComparison.Ordinal);

        using var error = new StringWriter();
        Assert.Equal(1, await PluginMesh.Cli.CliApp.RunAsync([.. cli, "ping", "node-b", "--admin", admin], new PluginMesh.Cli.CliIo(TextWriter.Null, error, default)));
        Assert.Contains("no tunnel plugin is running", error.ToString(), StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task Catalog_IsSharedThroughAbstractions()
    {
        var plan = Plan("  test.good: {}", "Good");
        await using var app = AgentHost.Build(plan);
        var sink = app.Services.GetRequiredService<ICatalogSink>();
        var catalog = app.Services.GetRequiredService<IServiceCatalog>();
        CatalogSnapshot? seen = null;
        catalog.Changed += s => seen = s;
        var svc = new MeshService(new ServiceKey("demo", "web"), [System.Net.IPAddress.Parse("10.96.0.10")], [new ServicePort("http", 80, TransportProtocol.Tcp, 8080)]);
        await sink.ApplyAsync("file", [new CatalogChange(CatalogObjectKind.Service, "demo/web", svc)], default);
        await sink.ReplaceAsync("kubernetes", [], default); // another source's re-list leaves file's objects alone
        Assert.Same(svc, catalog.Current.Services[svc.Key]);
        Assert.Equal(catalog.Current, seen);
        await sink.ReplaceAsync("file", [], default);
        Assert.Empty(catalog.Current.Services);
    }
}
