using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Status;

namespace ServiceCounter.Tests;

public sealed class ServiceCounterPluginTests
{
    private static IConfigurationSection Section(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => KeyValuePair.Create("plugins:stats.servicecounter:" + v.Key, (string?)v.Value)))
            .Build().GetSection("plugins:stats.servicecounter");

    [Theory]
    [InlineData("", "", "")]
    [InlineData("namespace", "demo", "")]
    [InlineData("namespace", "Not_A_Name", "plugins.stats.servicecounter.namespace: 'Not_A_Name' is not a namespace name")]
    [InlineData("namespaces", "demo", "plugins.stats.servicecounter.namespaces: unknown key; expected one of: enabled, namespace")]
    public void Validate_ReportsEveryProblemWithItsPath(string key, string value, string expected)
    {
        var problems = new List<ConfigProblem>();
        var section = key.Length == 0 ? Section() : Section((key, value));
        new ServiceCounterPlugin().Validate(new PluginValidationContext("stats.servicecounter", section, "plugins.stats.servicecounter", problems));
        if (expected.Length == 0) Assert.Empty(problems);
        else Assert.StartsWith(expected, Assert.Single(problems).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Started_CountsTheNamespacesServices_AndFollowsChanges()
    {
        var catalog = new FakeCatalog(Snapshot(1, ("demo", "web"), ("demo", "db"), ("other", "x")));
        var plugin = new ServiceCounterPlugin();
        using var meter = new Meter("PluginMesh.stats.servicecounter");
        using var source = new ActivitySource("PluginMesh.stats.servicecounter");
        var services = new ServiceCollection();
        services.AddSingleton<IServiceCatalog>(catalog);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        plugin.ConfigureServices(services, new PluginContext("stats.servicecounter", Section(("namespace", "demo")), new NodeSettings("n", "/tmp", "/tmp"), meter, source));
        using var provider = services.BuildServiceProvider();

        var hosted = Assert.Single(provider.GetServices<IHostedService>());
        await hosted.StartAsync(CancellationToken.None);
        var status = Assert.Single(provider.GetServices<IStatusContributor>());
        Assert.Equal("servicecounter", status.Section);
        Assert.Equal(2, Json(status).GetProperty("services").GetInt32());

        catalog.Publish(Snapshot(2, ("demo", "web"), ("demo", "db"), ("demo", "cache")));
        Assert.Equal(3, Json(status).GetProperty("services").GetInt32());
        Assert.Equal(1, Json(status).GetProperty("changesSeen").GetInt64());

        await hosted.StopAsync(CancellationToken.None);
        catalog.Publish(Snapshot(3));
        Assert.Equal(1, Json(status).GetProperty("changesSeen").GetInt64());
    }

    private static JsonElement Json(IStatusContributor status) => JsonSerializer.SerializeToElement(status.GetStatus());

    private static CatalogSnapshot Snapshot(long version, params (string Namespace, string Name)[] services) =>
        new(version,
            services.ToDictionary(s => new ServiceKey(s.Namespace, s.Name), s => new MeshService(new ServiceKey(s.Namespace, s.Name), [IPAddress.Parse("10.96.0.1")], [])),
            new Dictionary<ServiceKey, ServiceEndpoints>(),
            new Dictionary<string, MeshNode>());

    /// <summary>The host's catalog, reduced to what the plugin reads.</summary>
    private sealed class FakeCatalog(CatalogSnapshot initial) : IServiceCatalog
    {
        public CatalogSnapshot Current { get; private set; } = initial;

        public event Action<CatalogSnapshot>? Changed;

        public void Publish(CatalogSnapshot snapshot)
        {
            Current = snapshot;
            Changed?.Invoke(snapshot);
        }
    }
}
