using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Cache.LiteDb;

namespace PluginMesh.Plugins.Catalog.File.Tests;

public sealed class FileCatalogSourceTests : IDisposable
{
    private const string OneService = """
        services:
          - name: web
            namespace: demo
            clusterIP: 10.96.0.10
            ports: [{name: http, port: 80, targetPort: 8080}]
            endpoints:
              - {ip: 10.244.1.5, node: node-b}
        nodes:
          - {name: node-b, podCIDRs: [10.244.1.0/24], addresses: [192.168.1.20]}
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("catalog-file-").FullName;
    private readonly Meter _meter = new("PluginMesh.catalog.file.test." + Guid.NewGuid());
    private readonly RecordingCatalogSink _sink = new();

    public void Dispose()
    {
        _meter.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private FileCatalogSource Create(string path, ICatalogCache? cache = null, RecordingCatalogSink? sink = null) =>
        new(new FileCatalogOptions(path, TimeSpan.FromSeconds(1)), sink ?? _sink, cache,
            NullLogger<FileCatalogSource>.Instance, TimeProvider.System, _meter);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task Start_ExampleCatalog_ReplacesSourceStateWithEveryObject()
    {
        using var source = Create(RepoPaths.Of("examples/catalog.yaml"));
        await source.StartAsync(CancellationToken.None);
        await source.StopAsync(CancellationToken.None);

        var call = Assert.Single(_sink.Calls);
        Assert.Equal(("replace", "file"), (call.Method, call.Source));
        Assert.Equal(3, call.Changes.Count(c => c.Kind == CatalogObjectKind.Service));
        Assert.Equal(3, call.Changes.Count(c => c.Kind == CatalogObjectKind.Endpoints));
        Assert.Equal(2, call.Changes.Count(c => c.Kind == CatalogObjectKind.Node));
        var web = Assert.IsType<MeshService>(call.Changes.Single(c => c.Key == "demo/web" && c.Kind == CatalogObjectKind.Service).Value);
        Assert.Equal("10.96.0.10", web.ClusterIps[0].ToString());
        var endpoints = Assert.IsType<ServiceEndpoints>(call.Changes.Single(c => c.Key == "demo/web" && c.Kind == CatalogObjectKind.Endpoints).Value);
        Assert.Equal(3, endpoints.Endpoints.Count);
        Assert.True(source.Synced);
        Assert.NotNull(source.LastSync);
    }

    [Fact]
    public async Task Edit_ValidChange_IsReloaded()
    {
        var path = Write("catalog.yaml", OneService);
        using var source = Create(path);
        await source.StartAsync(CancellationToken.None);

        System.IO.File.WriteAllText(path, OneService.Replace("10.244.1.5", "10.244.1.77", StringComparison.Ordinal));

        await Eventually.TrueAsync(
            () => _sink.Get<ServiceEndpoints>(CatalogObjectKind.Endpoints, "demo/web")?.Endpoints[0].Address.ToString() == "10.244.1.77",
            "edited endpoint reaches the sink");
        Assert.All(_sink.Calls, c => Assert.Equal("replace", c.Method));
        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Edit_RemovesService_RemovedFromSink()
    {
        var path = Write("catalog.yaml", OneService);
        using var source = Create(path);
        await source.StartAsync(CancellationToken.None);

        System.IO.File.WriteAllText(path, "services: []\n");

        await Eventually.TrueAsync(() => _sink.Count(CatalogObjectKind.Service) == 0, "service removed");
        Assert.Equal(0, _sink.Count(CatalogObjectKind.Node));
        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task SymlinkSwap_LikeConfigMap_IsReloaded()
    {
        // Kubernetes projects a ConfigMap as <dir>/catalog.yaml -> ..data/catalog.yaml and
        // ..data -> ..<timestamp>; an update creates a new timestamp dir and renames a new ..data over the old.
        var v1 = Directory.CreateDirectory(Path.Combine(_dir, "..v1")).FullName;
        System.IO.File.WriteAllText(Path.Combine(v1, "catalog.yaml"), OneService);
        System.IO.File.CreateSymbolicLink(Path.Combine(_dir, "..data"), "..v1");
        var path = Path.Combine(_dir, "catalog.yaml");
        System.IO.File.CreateSymbolicLink(path, "..data/catalog.yaml");

        using var source = Create(path);
        await source.StartAsync(CancellationToken.None);
        Assert.NotNull(_sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web"));

        var v2 = Directory.CreateDirectory(Path.Combine(_dir, "..v2")).FullName;
        System.IO.File.WriteAllText(Path.Combine(v2, "catalog.yaml"), OneService.Replace("name: web", "name: shop", StringComparison.Ordinal));
        System.IO.File.CreateSymbolicLink(Path.Combine(_dir, "..data_tmp"), "..v2");
        await RenameOverAsync(Path.Combine(_dir, "..data_tmp"), Path.Combine(_dir, "..data"));

        await Eventually.TrueAsync(() => _sink.Get<MeshService>(CatalogObjectKind.Service, "demo/shop") is not null, "swapped content reaches the sink");
        Assert.Null(_sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web"));
        await source.StopAsync(CancellationToken.None);
    }

    private static void ReplaceAtomically(string path, string content)
    {
        var temp = path + ".tmp";
        System.IO.File.WriteAllText(temp, content);
        System.IO.File.Move(temp, path, overwrite: true);
    }

    private static async Task RenameOverAsync(string from, string to)
    {
        // rename(2) of a symlink over a symlink, as kubelet does; File.Move would follow the link.
        using var mv = System.Diagnostics.Process.Start("mv", ["-T", from, to]);
        await mv.WaitForExitAsync();
        Assert.Equal(0, mv.ExitCode);
    }

    [Fact]
    public async Task Edit_BadContent_KeepsLastGoodAndReportsProblemInStatusAndMetric()
    {
        var path = Write("catalog.yaml", OneService);
        long errors = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter == _meter && i.Name == "pluginmesh.catalog.errors") l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<long>((_, v, _, _) => Interlocked.Add(ref errors, v));
        listener.Start();

        using var source = Create(path);
        await source.StartAsync(CancellationToken.None);
        var replacesBefore = _sink.ReplaceCount;

        // Written atomically so the watcher can never observe a half-written file in between.
        ReplaceAtomically(path, OneService.Replace("10.244.1.5", "10.244.1.500", StringComparison.Ordinal));

        await Eventually.TrueAsync(() => source.Problems.Count > 0, "problem reported");
        var problem = Assert.Single(source.Problems);
        Assert.Equal(path, problem.File);
        Assert.Equal(7, problem.Line);
        Assert.Equal("services[0].endpoints[0].ip", problem.Field);
        Assert.Equal(1, Interlocked.Read(ref errors));
        var status = Assert.IsType<FileCatalogStatus>(source.GetStatus());
        Assert.False(status.Valid);
        Assert.True(status.Synced);
        Assert.Equal(1, status.Services);
        Assert.Contains("10.244.1.500", Assert.Single(status.Problems), StringComparison.Ordinal);

        // The last good catalog is untouched: no replace happened for the bad content.
        Assert.Equal(replacesBefore, _sink.ReplaceCount);
        Assert.Equal("10.244.1.5", _sink.Get<ServiceEndpoints>(CatalogObjectKind.Endpoints, "demo/web")!.Endpoints[0].Address.ToString());

        // Fixing the file clears the problem and applies the new content.
        ReplaceAtomically(path, OneService.Replace("10.244.1.5", "10.244.1.6", StringComparison.Ordinal));
        await Eventually.TrueAsync(() => source.Problems.Count == 0, "problem cleared");
        Assert.Equal("10.244.1.6", _sink.Get<ServiceEndpoints>(CatalogObjectKind.Endpoints, "demo/web")!.Endpoints[0].Address.ToString());
        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Delete_File_KeepsLastGoodThenRecreated_Reloads()
    {
        var path = Write("catalog.yaml", OneService);
        using var source = Create(path);
        await source.StartAsync(CancellationToken.None);

        System.IO.File.Delete(path);
        await Eventually.TrueAsync(() => source.Problems.Any(p => p.Message.StartsWith("cannot read", StringComparison.Ordinal)), "missing file reported");
        Assert.NotNull(_sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web"));

        System.IO.File.WriteAllText(path, OneService);
        await Eventually.TrueAsync(() => source.Problems.Count == 0, "recreated file applied");
        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Start_BadFileWithCache_ServesCachedCatalog()
    {
        // Two agent runs on one real cache.litedb file: the first stores the catalog, the second
        // starts with the catalog file broken.
        var data = Path.Combine(_dir, "data");
        var path = Write("catalog.yaml", OneService);
        await using (var cache = await PluginServices.StartAsync(new CacheLiteDbPlugin(), data))
        using (var first = Create(path, cache.Get<ICatalogCache>()))
        {
            await first.StartAsync(CancellationToken.None);
            await first.StopAsync(CancellationToken.None);
        }

        System.IO.File.WriteAllText(path, "services: [oops");
        var sink = new RecordingCatalogSink();
        await using var restarted = await PluginServices.StartAsync(new CacheLiteDbPlugin(), data);
        using var second = Create(path, restarted.Get<ICatalogCache>(), sink);
        await second.StartAsync(CancellationToken.None);
        await second.StopAsync(CancellationToken.None);

        var replace = Assert.Single(sink.Calls);
        Assert.Equal("file", replace.Source);
        var web = sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web");
        Assert.Equal("10.96.0.10", web!.ClusterIps[0].ToString());
        Assert.Equal("node-b", sink.Get<ServiceEndpoints>(CatalogObjectKind.Endpoints, "demo/web")!.Endpoints[0].NodeName);
        Assert.Equal("10.244.1.0/24", sink.Get<MeshNode>(CatalogObjectKind.Node, "node-b")!.PodCidrs[0]);
        var status = Assert.IsType<FileCatalogStatus>(second.GetStatus());
        Assert.True(status.FromCache);
        Assert.True(status.Synced);
        Assert.NotEmpty(status.Problems);
    }

    [Fact]
    public async Task Poll_DirectoryCreatedAfterStart_FileStillPickedUp()
    {
        // With no directory to watch at start there are no file-system events at all: only the
        // content poll can notice the file, which is exactly the backstop it is there for.
        var dir = Path.Combine(_dir, "later");
        var path = Path.Combine(dir, "catalog.yaml");
        using var source = Create(path);
        await source.StartAsync(CancellationToken.None);
        Assert.False(source.Synced);

        Directory.CreateDirectory(dir);
        System.IO.File.WriteAllText(path + ".tmp", OneService);
        System.IO.File.Move(path + ".tmp", path);

        await Eventually.TrueAsync(() => source.Synced, "poll applied the file");
        Assert.NotNull(_sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web"));
        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Start_MissingFileWithoutCache_StartsUnsyncedWithoutThrowing()
    {
        using var source = Create(Path.Combine(_dir, "absent.yaml"));
        await source.StartAsync(CancellationToken.None);
        await source.StopAsync(CancellationToken.None);

        Assert.False(source.Synced);
        Assert.Empty(_sink.Calls);
        Assert.Contains("cannot read", Assert.Single(source.Problems).Message, StringComparison.Ordinal);
    }
}
