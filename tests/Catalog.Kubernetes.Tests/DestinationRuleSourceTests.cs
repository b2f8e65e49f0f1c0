using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests;

/// <summary>Istio DestinationRules end to end: fake API server → list/watch → projection → sink and cache.</summary>
public sealed class DestinationRuleSourceTests
{
    private const string Annotation = "pluginmesh.io/load-balancer";

    private static void Seed(FakeCluster cluster)
    {
        cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
        cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "api", "10.96.0.11", annotations: new Dictionary<string, string> { [Annotation] = "roundRobin" }));
        cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-abc", "web", [("10.244.1.5", "node-b", true)]));
        cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-b", "10.244.1.0/24", "192.168.1.20"));
    }

    private static JsonObject Rule(string name, string host, string simple, int minute = 0, string ns = "demo") =>
        FakeObjects.DestinationRule(ns, name, host, FakeObjects.SimpleLoadBalancer(simple), new DateTimeOffset(2024, 1, 1, 0, minute, 0, TimeSpan.Zero));

    private static string? Lb(RecordingCatalogSink sink, string service) => sink.Get<MeshService>(CatalogObjectKind.Service, service)?.LoadBalancer;

    private static string? CachedLb(KubeHarness h, string service) => h.Cached<MeshService>(CatalogObjectKind.Service, service)?.LoadBalancer;

    private static bool Served(RecordingCatalogSink sink, string service) => sink.Get<MeshService>(CatalogObjectKind.Service, service) is not null;

    private static int Lists(FakeApiServer server, string path) =>
        server.Requests.Count(r => r.StartsWith("GET /" + path + " ", StringComparison.Ordinal) ||
                                   (r.StartsWith("GET /" + path + "?", StringComparison.Ordinal) && !r.Contains("watch=1", StringComparison.Ordinal)));

    private static int Watches(FakeApiServer server, string path) =>
        server.Requests.Count(r => r.StartsWith("GET /" + path + "?watch=1", StringComparison.Ordinal));

    private static List<(LogLevel Level, EventId Id, string Message)> Problems(KubeHarness h) =>
        h.Log.Entries.Where(e => e.Level >= LogLevel.Warning).ToList();

    [Fact]
    public async Task RuleAddedModifiedDeleted_SetsChangesAndClearsTheServiceLoadBalancer()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Cluster.InstallIstio();
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 4, "synced and watching four resources");

        var status = source.Status.DestinationRules;
        Assert.Equal(("auto", "watching", "networking.istio.io/v1", 0), (status.Istio, status.State, status.ApiVersion, status.Rules));
        Assert.Contains("destinationrules", source.Status.ResourceVersions.Keys);
        Assert.Null(Lb(sink, "demo/web"));
        Assert.Equal("roundRobin", Lb(sink, "demo/api"));

        // Added: the service's policy comes from the rule, in the sink and in the cache.
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("web", "web", "LEAST_REQUEST"));
        await Eventually.TrueAsync(() => Lb(sink, "demo/web") == "LEAST_REQUEST", "rule added");
        // The source writes the cache right after the sink, so the cache may be a moment behind it.
        await Eventually.TrueAsync(() => CachedLb(h, "demo/web") == "LEAST_REQUEST", "rule added in the cache");
        Assert.Equal(["10.244.1.5"], sink.Get<ServiceEndpoints>(CatalogObjectKind.Endpoints, "demo/web")!.Endpoints.Select(e => e.Address.ToString()));

        // Modified.
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("web", "web", "RANDOM"));
        await Eventually.TrueAsync(() => Lb(sink, "demo/web") == "RANDOM", "rule modified");
        await Eventually.TrueAsync(() => CachedLb(h, "demo/web") == "RANDOM", "rule modified in the cache");

        // A rule overrides the service's own annotation; deleted, the annotation is back.
        h.Cluster.Apply(FakeCluster.DestinationRules, FakeObjects.DestinationRule("demo", "api", "api.demo.svc.cluster.local",
            FakeObjects.ConsistentHashLoadBalancer(new JsonObject { ["useSourceIp"] = true })));
        await Eventually.TrueAsync(() => Lb(sink, "demo/api") == "consistentHash", "rule overrides the annotation");
        await Eventually.TrueAsync(() => source.Status.DestinationRules is { Rules: 2, Services: 2 }, "status counts rules");
        h.Cluster.Delete(FakeCluster.DestinationRules, "demo", "api");
        await Eventually.TrueAsync(() => Lb(sink, "demo/api") == "roundRobin", "annotation back after delete");

        // Deleted: back to the node default.
        h.Cluster.Delete(FakeCluster.DestinationRules, "demo", "web");
        await Eventually.TrueAsync(() => Lb(sink, "demo/web") is null, "rule deleted");
        await Eventually.TrueAsync(() => h.Cached<MeshService>(CatalogObjectKind.Service, "demo/web") is { LoadBalancer: null }, "rule deleted in the cache");

        Assert.Single(sink.Calls, c => c.Method == "replace");
        Assert.Equal(1, Lists(h.Server, FakeCluster.DestinationRules));
        Assert.Equal(0, Lists(h.Server, FakeCluster.DestinationRulesV1Beta1));
        Assert.Empty(Problems(h));
        Assert.Null(source.Status.LastError);
    }

    [Fact]
    public async Task InitialList_ShortDottedSvcAndFqdnHosts_UnsupportedValuePassedThrough_HttpHashWarnedOnce()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "shop", "10.96.0.12"));
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "cart", "10.96.0.13"));
        h.Cluster.InstallIstio();
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("web", "web", "LEAST_CONN"));
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("api", "api.demo.svc.cluster.local", "RANDOM", ns: "istio-config"));
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("shop", "shop.demo", "PASSTHROUGH"));
        h.Cluster.Apply(FakeCluster.DestinationRules, FakeObjects.DestinationRule("demo", "cart", "cart.demo.svc",
            FakeObjects.ConsistentHashLoadBalancer(new JsonObject { ["httpCookie"] = new JsonObject { ["name"] = "session", ["ttl"] = "0s" } })));
        h.Server.Start(0);
        h.Policy.PeriodicPollMs = 50;
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 4, "synced and watching");

        Assert.Equal("LEAST_CONN", Lb(sink, "demo/web"));
        Assert.Equal("RANDOM", Lb(sink, "demo/api"));
        // Not an L4 policy: passed on as written; the proxy warns and uses its default (LoadBalancerNames).
        Assert.Equal("PASSTHROUGH", Lb(sink, "demo/shop"));
        // A cookie cannot be hashed by an L4 proxy: the source IP is, with one warning for the rule.
        Assert.Equal("consistentHash", Lb(sink, "demo/cart"));
        Assert.Single(h.Log.Containing("DestinationRule demo/cart (host cart.demo.svc): consistentHash on HTTP cookie 'session'"));

        // A re-list (periodic) applies the same rules again without repeating the warning or any change.
        var calls = sink.Calls.Count;
        h.Policy.RequestPeriodicRelist();
        await Eventually.TrueAsync(() => source.Status.Relists >= 2, "periodic re-list");
        Assert.Single(h.Log.Containing("consistentHash on HTTP cookie"));
        Assert.Equal(calls, sink.Calls.Count);
        Assert.Equal("consistentHash", Lb(sink, "demo/cart"));
    }

    [Fact]
    public async Task WildcardOutsideAndInvalidRules_SkippedWithWarnings_WatchLivesOn()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Cluster.InstallIstio();
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("all", "*.demo.svc.cluster.local", "RANDOM"));
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 4, "synced and watching");
        Assert.Null(Lb(sink, "demo/web"));

        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("external", "api.example.com", "RANDOM"));
        h.Cluster.InjectEvent(FakeCluster.DestinationRules, "ADDED", JsonNode.Parse("""
            {"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"garbage","namespace":"demo"},"spec":"not an object"}
            """)!.AsObject());
        h.Cluster.InjectEvent(FakeCluster.DestinationRules, "ADDED", JsonNode.Parse("""
            {"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"hostless","namespace":"demo"},
             "spec":{"trafficPolicy":{"loadBalancer":{"simple":"RANDOM"}}}}
            """)!.AsObject());
        h.Cluster.InjectEvent(FakeCluster.DestinationRules, "ADDED", new JsonObject { ["kind"] = "DestinationRule", ["spec"] = new JsonObject { ["host"] = "web" } });
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("web", "web", "LEAST_REQUEST"));

        await Eventually.TrueAsync(() => Lb(sink, "demo/web") == "LEAST_REQUEST", "watch survived the bad rules");
        Assert.True(source.Status.Skipped >= 5, $"skipped {source.Status.Skipped}");
        Assert.Equal(1, source.Status.DestinationRules.Rules);
        foreach (var reason in new[] { "wildcard host", "host outside the cluster", "spec is missing or not an object", "no spec.host" })
            Assert.Single(Problems(h), e => e.Message.Contains("skipped destinationrules", StringComparison.Ordinal) && e.Message.Contains(reason, StringComparison.Ordinal));
        Assert.Equal(1, Lists(h.Server, FakeCluster.DestinationRules));
        Assert.Null(source.Status.LastError);
    }

    [Fact]
    public async Task IstioNotInstalled_404_NoErrorOneInfo_StatusNotServed_InstalledLater_PickedUpByPeriodicRelist()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Server.Start(0);
        h.Policy.PeriodicPollMs = 50;
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "synced and watching the three core resources");

        var status = source.Status;
        Assert.Equal("not-served", status.DestinationRules.State);
        Assert.Null(status.DestinationRules.ApiVersion);
        Assert.True(status.Connected);
        Assert.Null(status.LastError);
        Assert.DoesNotContain("destinationrules", status.ResourceVersions.Keys);
        Assert.Empty(Problems(h));
        Assert.Single(h.Log.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("not served", StringComparison.Ordinal));
        Assert.Equal((1, 1), (Lists(h.Server, FakeCluster.DestinationRules), Lists(h.Server, FakeCluster.DestinationRulesV1Beta1)));
        Assert.Equal(0, Watches(h.Server, FakeCluster.DestinationRules) + Watches(h.Server, FakeCluster.DestinationRulesV1Beta1));

        // Asked again on the periodic re-list; still absent: no second log line.
        h.Policy.RequestPeriodicRelist();
        await Eventually.TrueAsync(() => Lists(h.Server, FakeCluster.DestinationRulesV1Beta1) == 2 && source.Status.Relists == 2, "asked again");
        Assert.Single(h.Log.Entries, e => e.Message.Contains("not served", StringComparison.Ordinal));

        // Istio installed later, with a rule: the next periodic re-list finds it and starts watching.
        h.Cluster.InstallIstio();
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("web", "web", "LEAST_REQUEST"));
        h.Policy.RequestPeriodicRelist();
        await Eventually.TrueAsync(() => Lb(sink, "demo/web") == "LEAST_REQUEST", "rule picked up after install");
        // The sink hears of the list before status does (the state is set after the cache rewrite).
        await Eventually.TrueAsync(() => source.Status.DestinationRules.State == "watching", "watching");
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("web", "web", "RANDOM"));
        await Eventually.TrueAsync(() => Lb(sink, "demo/web") == "RANDOM", "then watched");
        Assert.Single(h.Log.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("watching Istio DestinationRules", StringComparison.Ordinal));
        Assert.Empty(Problems(h));
    }

    [Fact]
    public async Task IstioFalse_NeverAsksForRules()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Cluster.InstallIstio();
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("web", "web", "LEAST_REQUEST"));
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink, h.Options() with { Istio = IstioMode.Disabled });
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "synced and watching");

        Assert.Equal(("false", "disabled"), (source.Status.DestinationRules.Istio, source.Status.DestinationRules.State));
        Assert.Null(Lb(sink, "demo/web"));
        Assert.DoesNotContain(h.Server.Requests, r => r.Contains("networking.istio.io", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OnlyV1Beta1Served_FallsBackToIt()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Cluster.InstallIstio(v1: false);
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("web", "web", "LEAST_REQUEST"));
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 4, "synced and watching");

        Assert.Equal("LEAST_REQUEST", Lb(sink, "demo/web"));
        Assert.Equal(("watching", "networking.istio.io/v1beta1"), (source.Status.DestinationRules.State, source.Status.DestinationRules.ApiVersion));
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("web", "web", "ROUND_ROBIN"));
        await Eventually.TrueAsync(() => Lb(sink, "demo/web") == "ROUND_ROBIN", "change through the v1beta1 watch");
        Assert.True(Watches(h.Server, FakeCluster.DestinationRulesV1Beta1) >= 1);
        Assert.Equal(0, Watches(h.Server, FakeCluster.DestinationRules));
        Assert.Empty(Problems(h));
    }

    [Fact]
    public async Task Forbidden_403_OneWarning_NoError_ServicesUnaffected()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Cluster.InstallIstio();
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("web", "web", "LEAST_REQUEST"));
        h.Cluster.SetForbidden(FakeCluster.DestinationRules, true);
        h.Cluster.SetForbidden(FakeCluster.DestinationRulesV1Beta1, true);
        h.Server.Start(0);
        h.Policy.PeriodicPollMs = 50;
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "synced and watching");

        Assert.Equal("forbidden", source.Status.DestinationRules.State);
        Assert.Contains("403", source.Status.DestinationRules.Reason, StringComparison.Ordinal);
        Assert.Null(source.Status.LastError);
        Assert.True(source.Status.Connected);
        Assert.True(Served(sink, "demo/web"));
        Assert.Null(Lb(sink, "demo/web"));
        var warning = Assert.Single(Problems(h));
        Assert.Contains("destinationrules.networking.istio.io", warning.Message, StringComparison.Ordinal);

        h.Policy.RequestPeriodicRelist();
        await Eventually.TrueAsync(() => source.Status.Relists == 2, "re-listed");
        Assert.Single(Problems(h));

        // RBAC fixed: the next re-list reads the rules.
        h.Cluster.SetForbidden(FakeCluster.DestinationRules, false);
        h.Cluster.SetForbidden(FakeCluster.DestinationRulesV1Beta1, false);
        h.Policy.RequestPeriodicRelist();
        await Eventually.TrueAsync(() => Lb(sink, "demo/web") == "LEAST_REQUEST", "rules read once allowed");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WatchExpired410_OnDestinationRules_Relists(bool asErrorEvent)
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Cluster.InstallIstio();
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("web", "web", "RANDOM"));
        h.Server.ExpireWithErrorEvent = asErrorEvent;
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 4 && Lb(sink, "demo/web") == "RANDOM", "synced and watching");
        var callsBefore = sink.Calls.Count;

        // Rule changes the watch never delivers, then only the DestinationRule history compacted past them.
        h.Server.HoldWatches = true;
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("web", "web", "LEAST_REQUEST"));
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("api", "api", "RANDOM"));
        h.Cluster.Compact(FakeCluster.DestinationRules);
        if (!asErrorEvent) h.Server.CutWatches();
        h.Server.HoldWatches = false;

        await Eventually.TrueAsync(() => Lb(sink, "demo/web") == "LEAST_REQUEST" && Lb(sink, "demo/api") == "RANDOM", "changes picked up by the re-list");
        Assert.Contains(h.Policy.Inputs, i => i.Trigger == "watch-expired");
        Assert.Equal(2, Lists(h.Server, FakeCluster.DestinationRules));
        Assert.Equal(2, Lists(h.Server, FakeCluster.Services));
        var applied = sink.Calls.Skip(callsBefore).Where(c => c.Method == "apply").SelectMany(c => c.Changes).ToList();
        Assert.Single(applied, c => c.Key == "demo/web");
        Assert.Single(applied, c => c.Key == "demo/api");
        Assert.Single(sink.Calls, c => c.Method == "replace");

        // Watched again from the re-list's resourceVersion. (The fake's OpenWatches is no help here: a
        // stream the client dropped stays counted until the server next writes to it.)
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("web", "web", "ROUND_ROBIN"));
        await Eventually.TrueAsync(() => Lb(sink, "demo/web") == "ROUND_ROBIN", "watching again");
    }

    [Fact]
    public async Task RestartFromCache_KeepsTheRulesLoadBalancer_RuleDeletedOffline_ClearedOnReconnect()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Cluster.InstallIstio();
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("web", "web", "LEAST_REQUEST"));
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("api", "api", "RANDOM"));
        h.Server.Start(0);
        var port = h.Server.Port;

        var firstSink = new RecordingCatalogSink();
        var first = await h.StartSourceAsync(firstSink);
        await Eventually.TrueAsync(() => first.Synced && Lb(firstSink, "demo/web") == "LEAST_REQUEST", "first run synced");
        await KubeHarness.StopSourceAsync(first);
        await h.Server.StopAsync();

        h.Cluster.Delete(FakeCluster.DestinationRules, "demo", "api");

        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && source.Status.LastError is not null, "served from cache, list failed");
        Assert.True(source.Status.FromCache);
        Assert.Equal("LEAST_REQUEST", Lb(sink, "demo/web"));
        Assert.Equal("RANDOM", Lb(sink, "demo/api"));

        h.Server.Start(port);
        await Eventually.TrueAsync(() => !source.Status.FromCache && source.Status.Connected, "synced from the API");
        Assert.Equal("LEAST_REQUEST", Lb(sink, "demo/web"));
        Assert.Equal("roundRobin", Lb(sink, "demo/api"));
        Assert.Equal("watching", source.Status.DestinationRules.State);
    }

    [Fact]
    public async Task IstioRemovedWhileWatching_RulesDropped_OtherWatchesUndisturbed()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Cluster.InstallIstio();
        h.Cluster.Apply(FakeCluster.DestinationRules, Rule("web", "web", "LEAST_REQUEST"));
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 4 && Lb(sink, "demo/web") == "LEAST_REQUEST", "synced and watching");

        h.Cluster.UninstallIstio();
        h.Server.CutWatches();

        await Eventually.TrueAsync(() => Lb(sink, "demo/web") is null && source.Status.DestinationRules.State == "not-served", "rules dropped");
        var ruleWatches = Watches(h.Server, FakeCluster.DestinationRules);
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "shop", "10.96.0.12"));
        await Eventually.TrueAsync(() => Served(sink, "demo/shop"), "services still watched");
        // The 404 ended that watch for good: it is not retried before the next full list.
        Assert.Equal(ruleWatches, Watches(h.Server, FakeCluster.DestinationRules));
        Assert.Equal(1, Lists(h.Server, FakeCluster.Services));
        Assert.Null(h.Cached<MeshService>(CatalogObjectKind.Service, "demo/web")!.LoadBalancer);
        Assert.Single(h.Log.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("not served", StringComparison.Ordinal));
        Assert.DoesNotContain("destinationrules", source.Status.ResourceVersions.Keys);
    }
}
