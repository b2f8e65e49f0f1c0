using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Status;
using PluginMesh.Plugins.Directory.P2p.Tests.Support;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Plugin;

public sealed class DirectoryP2pPluginTests
{
    [Fact]
    public void Descriptor_DeclaresDirectoryAndOptionalUses()
    {
        var d = new DirectoryP2pPlugin().Descriptor;
        Assert.Equal("directory.p2p", d.Id);
        Assert.Equal(AbstractionsApi.Version, d.ApiVersion);
        Assert.Equal(["directory"], d.Provides);
        Assert.Empty(d.Requires);
        Assert.Equal(["cache", "tunnel", "relay", "discovery"], d.Uses);
    }

    public static TheoryData<string, string, string> BadValues => new()
    {
        { "recordTtlSeconds", "10", "plugins.directory.p2p.recordTtlSeconds" },
        { "syncIntervalSeconds", "zero", "plugins.directory.p2p.syncIntervalSeconds" },
        { "exchangeTimeoutSeconds", "0", "plugins.directory.p2p.exchangeTimeoutSeconds" },
        { "serveExpired", "maybe", "plugins.directory.p2p.serveExpired" },
        { "sycnInterval", "3", "plugins.directory.p2p.sycnInterval" },
        { "capabilities:0", "", "plugins.directory.p2p.capabilities[0]" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Validate_BadValue_ReportsItsPath(string key, string value, string path)
    {
        var problems = Validate(new Dictionary<string, string?> { [key] = value, ["enabled"] = "true" });
        Assert.Equal(path, Assert.Single(problems).Path);
    }

    [Fact]
    public void Validate_EmptySection_IsFineAndDefaultsApply()
    {
        Assert.Empty(Validate([]));
        var options = DirectoryOptions.Read(new DictionaryConfiguration(new Dictionary<string, string?>()), (_, m) => Assert.Fail(m));
        Assert.Equal(TimeSpan.FromHours(1), options.RecordTtl);
        Assert.Equal(TimeSpan.FromSeconds(30), options.SyncInterval);
        Assert.True(options.ServeExpired);
    }

    [Fact]
    public void ReadmeExample_Validates()
    {
        var section = ReadmeYaml.PluginSection(ReadmePath(), "directory.p2p");
        Assert.Empty(Validate(section));
        var options = DirectoryOptions.Read(section, (_, m) => Assert.Fail(m));
        Assert.Equal(["relay", "dns"], options.Capabilities);
        Assert.Equal("shop-12", options.Labels["zone"]);
    }

    [Fact]
    public async Task ConfigureServices_NoTunnelNoCache_StartsAndServesStatus()
    {
        var services = new ServiceCollection();
        new DirectoryP2pPlugin().ConfigureServices(services, new PluginContext("directory.p2p",
            new DictionaryConfiguration(new Dictionary<string, string?>()), new NodeSettings("edge-1", "/tmp", "/tmp"),
            new Meter("test.plugin." + Guid.NewGuid().ToString("N")), new ActivitySource("test")));
        var sp = new SingletonServices(services);
        var directory = (INodeDirectory)sp.GetService(typeof(INodeDirectory))!;
        var hosted = Assert.Single(sp.GetAll<IHostedService>());
        await hosted.StartAsync(CancellationToken.None);
        Assert.Null(directory.Resolve("edge-1")); // no identity: nothing published, nothing learned
        var status = Assert.Single(sp.GetAll<IStatusContributor>());
        Assert.Equal("directory", status.Section);
        Assert.IsType<DirectoryStatus>(status.GetStatus());
        await hosted.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ConfigureServices_WithCatalog_BindingsFromTheApiAtStartAndInStatus()
    {
        using var agent = PluginMesh.P2p.Crypto.PrivateKey.Generate();
        var catalog = new TestCatalog();
        catalog.Kubernetes.SetConnected(true, DateTimeOffset.UtcNow);
        catalog.SetNodes(("edge-2", agent));
        var services = new ServiceCollection();
        services.AddSingleton<PluginMesh.Abstractions.Catalog.IServiceCatalog>(catalog);
        services.AddSingleton<PluginMesh.Abstractions.Catalog.ICatalogSource>(catalog.Kubernetes);
        new DirectoryP2pPlugin().ConfigureServices(services, new PluginContext("directory.p2p",
            new DictionaryConfiguration(new Dictionary<string, string?>()), new NodeSettings("edge-1", "/tmp", "/tmp"),
            new Meter("test.plugin." + Guid.NewGuid().ToString("N")), new ActivitySource("test")));
        var sp = new SingletonServices(services);
        var directory = (INodeDirectory)sp.GetService(typeof(INodeDirectory))!;
        var hosted = Assert.Single(sp.GetAll<IHostedService>());
        await hosted.StartAsync(CancellationToken.None);
        Assert.Equal((agent.PeerId, RecordSource.Api), (directory.Resolve("edge-2")!.PeerId, directory.Resolve("edge-2")!.Source));
        var status = (DirectoryStatus)Assert.Single(sp.GetAll<IStatusContributor>()).GetStatus();
        Assert.Equal(("edge-2", "api"), (Assert.Single(status.Bindings).Node, status.Bindings[0].Source));
        Assert.True(status.Api.Connected);
        await hosted.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ConfigureServices_ApiAway_SilentNodeRetiredByTheLoop_InStatusAndINodeLiveness()
    {
        using var agent = PluginMesh.P2p.Crypto.PrivateKey.Generate();
        var catalog = new TestCatalog();
        catalog.Kubernetes.SetConnected(false, DateTimeOffset.UtcNow);
        // A one-second window for this node (policies/retire.js reads the label).
        catalog.SetLabels("edge-3", new Dictionary<string, string> { ["pluginmesh.io/tolerance-seconds"] = "1" });
        using var policies = new PluginMesh.Host.Policies.PolicyEngine(new PluginMesh.Host.Policies.PolicyEngineOptions { Directory = RepoPaths.Of("policies"), TimeLimit = TimeSpan.FromSeconds(30) },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<PluginMesh.Host.Policies.PolicyEngine>.Instance, TimeProvider.System);
        var services = new ServiceCollection();
        services.AddSingleton<PluginMesh.Abstractions.Catalog.IServiceCatalog>(catalog);
        services.AddSingleton<PluginMesh.Abstractions.Catalog.ICatalogSource>(catalog.Kubernetes);
        services.AddSingleton<PluginMesh.Abstractions.Policies.INodeRetirePolicy>(policies);
        new DirectoryP2pPlugin().ConfigureServices(services, new PluginContext("directory.p2p",
            new DictionaryConfiguration(new Dictionary<string, string?>()), new NodeSettings("edge-1", "/tmp", "/tmp"),
            new Meter("test.plugin." + Guid.NewGuid().ToString("N")), new ActivitySource("test")));
        var sp = new SingletonServices(services);
        var store = (PluginMesh.Plugins.Directory.P2p.Store.RecordStore)sp.GetService(typeof(INodeDirectory))!;
        var liveness = (INodeLiveness)sp.GetService(typeof(INodeLiveness))!;
        var hosted = Assert.Single(sp.GetAll<IHostedService>());
        await hosted.StartAsync(CancellationToken.None);
        await store.AcceptAsync(TestRecords.Signed(agent, "edge-3", 1, DateTimeOffset.UtcNow.AddHours(1)), "peer:x", CancellationToken.None);
        Assert.NotNull(store.Resolve("edge-3"));

        await Eventually.TrueAsync(() => liveness.IsRetired("edge-3"), "retired by the liveness loop");
        Assert.Null(store.Resolve("edge-3"));
        var status = (DirectoryStatus)Assert.Single(sp.GetAll<IStatusContributor>()).GetStatus();
        var retired = Assert.Single(status.Retired);
        Assert.Equal("edge-3", retired.NodeName);
        Assert.Contains("no tunnel to probe it", retired.Reason, StringComparison.Ordinal);
        await hosted.StopAsync(CancellationToken.None);
    }

    public static TheoryData<string, string, string> MoreBadValues => new()
    {
        { "maxRecords", "10", "plugins.directory.p2p.maxRecords" },
        { "maxStaleSeconds", "-1", "plugins.directory.p2p.maxStaleSeconds" },
        { "admission:recordsPerSecond", "0", "plugins.directory.p2p.admission.recordsPerSecond" },
        { "admission:newPeersBurst", "lots", "plugins.directory.p2p.admission.newPeersBurst" },
        { "admission:newPeers", "1", "plugins.directory.p2p.admission.newPeers" },
        { "labels:pluginmesh.io/cores", "64", "plugins.directory.p2p.labels.pluginmesh.io/cores" },
    };

    [Theory]
    [MemberData(nameof(MoreBadValues))]
    public void Validate_BadBoundsOrReservedLabel_ReportsItsPath(string key, string value, string path)
    {
        var problems = Validate(new Dictionary<string, string?> { [key] = value });
        Assert.Equal(path, Assert.Single(problems).Path);
    }

    [Fact]
    public void ConfigureServices_BadConfig_ThrowsWithEveryProblem()
    {
        var e = Assert.Throws<ConfigValidationException>(() => new DirectoryP2pPlugin().ConfigureServices(new ServiceCollection(),
            new PluginContext("directory.p2p", new DictionaryConfiguration(new Dictionary<string, string?> { ["recordTtlSeconds"] = "1", ["bogus"] = "1" }),
                new NodeSettings("n", "/tmp", "/tmp"), new Meter("test.bad"), new ActivitySource("test"))));
        Assert.Equal(2, e.Problems.Count);
    }

    private static List<ConfigProblem> Validate(Dictionary<string, string?> values) => Validate(new DictionaryConfiguration(values));

    private static List<ConfigProblem> Validate(DictionaryConfiguration configuration)
    {
        var problems = new List<ConfigProblem>();
        new DirectoryP2pPlugin().Validate(new PluginValidationContext("directory.p2p", configuration, "plugins.directory.p2p", problems));
        return problems;
    }

    private static string ReadmePath([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "..", "plugins", "Directory.P2p", "README.md"));
}
