using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Cache.LiteDb;

namespace PluginMesh.Plugins.Catalog.File.Tests;

/// <summary><c>resources:</c> through the source: the kinds plugins asked for reach the sink and the real cache; others are skipped.</summary>
public sealed class FileResourcesTests : IDisposable
{
    private const string Catalog = """
        services:
          - name: web
            namespace: demo
            clusterIP: 10.96.0.10
            ports: [{name: http, port: 80}]
        resources:
          - apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: shop, namespace: demo}
            spec:
              servers:
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: [shop.example.com]
          - apiVersion: v1
            kind: Secret
            metadata: {name: shop-cert, namespace: istio-system}
            type: kubernetes.io/tls
            data: {tls.crt: Q0VSVA==, tls.key: S0VZ}
          - apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w, namespace: demo}
          - apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {namespace: demo}
        """;

    private static readonly CatalogResourceType[] AskedFor =
    [
        new("networking.istio.io", "Gateway", "gateways", ["v1", "v1beta1", "v1alpha3"]),
        new("", "Secret", "secrets", ["v1"], "type=kubernetes.io/tls"),
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("catalog-file-resources-").FullName;
    private readonly Meter _meter = new("PluginMesh.catalog.file.test." + Guid.NewGuid());

    public void Dispose()
    {
        _meter.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private FileCatalogSource Create(string path, RecordingCatalogSink sink, ICatalogCache? cache = null) =>
        new(new FileCatalogOptions(path, TimeSpan.FromSeconds(1)), sink, cache, NullLogger<FileCatalogSource>.Instance, TimeProvider.System, _meter, AskedFor);

    private string Write(string content)
    {
        var path = Path.Combine(_dir, "catalog.yaml");
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task Load_KindsAskedForCarried_OthersAndMalformedSkippedInStatus_ServicesLoad()
    {
        var path = Write(Catalog);
        var sink = new RecordingCatalogSink();
        using var source = Create(path, sink);
        var gauge = new Dictionary<string, int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter == _meter && i.Name == "pluginmesh.catalog.resources") l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) => gauge[(string)tags[0].Value!] = value);
        listener.Start();

        await source.StartAsync(CancellationToken.None);
        await source.StopAsync(CancellationToken.None);

        Assert.NotNull(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web"));
        var gateway = sink.Get<MeshResource>(CatalogObjectKind.Resource, "Gateway.networking.istio.io/demo/shop");
        Assert.Equal("shop.example.com", JsonNode.Parse(gateway!.Json)!["spec"]!["servers"]![0]!["hosts"]![0]!.GetValue<string>());
        Assert.Equal("v1", sink.Get<MeshResource>(CatalogObjectKind.Resource, "Secret/istio-system/shop-cert")?.ApiVersion);
        Assert.Equal(2, sink.Count(CatalogObjectKind.Resource));

        var status = Assert.IsType<FileCatalogStatus>(source.GetStatus());
        Assert.True(status.Valid);
        Assert.Equal(2, status.Resources);
        Assert.Equal(2, status.Skipped.Count);
        Assert.Contains(status.Skipped, s => s.Contains("resources[3]: Gateway demo/(no name): metadata.name is missing", StringComparison.Ordinal));
        Assert.Contains(status.Skipped, s => s.Contains("resource Widget.example.com/demo/w (example.com/v1): no plugin asked for Widget.example.com", StringComparison.Ordinal));
        listener.RecordObservableInstruments();
        Assert.Equal(new Dictionary<string, int> { ["Gateway.networking.istio.io"] = 1, ["Secret"] = 1 }, gauge);
    }

    // Wired as the host wires it: the kinds come from what other plugins registered in the container.
    [Fact]
    public async Task Plugin_ReadsTheResourceTypesOtherPluginsRegistered()
    {
        var path = Write(Catalog);
        var sink = new RecordingCatalogSink();
        await using var plugin = await PluginServices.StartAsync(new CatalogFilePlugin(), _dir, services =>
        {
            services.AddSingleton<ICatalogSink>(sink);
            foreach (var type in AskedFor) services.AddSingleton(type);
        }, ("path", path));

        await Eventually.TrueAsync(() => plugin.Get<FileCatalogSource>().Synced, "loaded");
        Assert.Equal(["Gateway.networking.istio.io/demo/shop", "Secret/istio-system/shop-cert"],
            sink.LastReplace!.Where(c => c.Kind == CatalogObjectKind.Resource).Select(c => c.Key));
    }

    [Fact]
    public async Task Restart_FileBroken_ResourcesServedFromTheCache()
    {
        var data = Path.Combine(_dir, "data");
        var path = Write(Catalog);
        MeshResource? loaded;
        await using (var cache = await PluginServices.StartAsync(new CacheLiteDbPlugin(), data))
        {
            var sink = new RecordingCatalogSink();
            using var first = Create(path, sink, cache.Get<ICatalogCache>());
            await first.StartAsync(CancellationToken.None);
            await first.StopAsync(CancellationToken.None);
            loaded = sink.Get<MeshResource>(CatalogObjectKind.Resource, "Gateway.networking.istio.io/demo/shop");
        }

        System.IO.File.WriteAllText(path, "services: [oops");
        var restartedSink = new RecordingCatalogSink();
        await using var restarted = await PluginServices.StartAsync(new CacheLiteDbPlugin(), data);
        using var second = Create(path, restartedSink, restarted.Get<ICatalogCache>());
        await second.StartAsync(CancellationToken.None);
        await second.StopAsync(CancellationToken.None);

        Assert.NotNull(loaded);
        Assert.Equal(loaded, restartedSink.Get<MeshResource>(CatalogObjectKind.Resource, "Gateway.networking.istio.io/demo/shop"));
        Assert.NotNull(restartedSink.Get<MeshResource>(CatalogObjectKind.Resource, "Secret/istio-system/shop-cert"));
        var status = Assert.IsType<FileCatalogStatus>(second.GetStatus());
        Assert.Equal((true, 2), (status.FromCache, status.Resources));
    }
}
