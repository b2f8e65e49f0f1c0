using System.Text.Json;
using System.Text.Json.Nodes;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Plugins.Catalog.Kubernetes.State;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.State;

/// <summary>How DestinationRules change the services the projection publishes.</summary>
public sealed class DestinationRuleProjectionTests
{
    private static readonly DateTimeOffset T0 = new(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static JsonElement Json(JsonObject obj) => JsonDocument.Parse(obj.ToJsonString()).RootElement;

    private static CatalogProjection Create() => new(KubernetesCatalogOptions.DefaultProxyNameLabel, "pluginmesh");

    private static List<CatalogChange> Upsert(CatalogProjection p, ResourceKind kind, JsonObject obj) => p.Diff(p.Upsert(kind, Json(obj), [], out _));

    private static List<CatalogChange> Delete(CatalogProjection p, ResourceKind kind, JsonObject obj) => p.Diff(p.Delete(kind, Json(obj)));

    private static JsonObject Rule(string name, string host, string? simple, DateTimeOffset created, string ns = "demo") =>
        FakeObjects.DestinationRule(ns, name, host, simple is null ? null : FakeObjects.SimpleLoadBalancer(simple), created);

    private static JsonObject Web(string? annotation = null) =>
        FakeObjects.Service("demo", "web", "10.96.0.10",
            annotations: annotation is null ? null : new Dictionary<string, string> { ["pluginmesh.io/load-balancer"] = annotation });

    private static string? Lb(IEnumerable<CatalogChange> changes) =>
        Assert.IsType<MeshService>(Assert.Single(changes, c => c.Kind == CatalogObjectKind.Service).Value).LoadBalancer;

    [Fact]
    public void Rule_OverridesAnnotation_DeleteFallsBackToIt()
    {
        var p = Create();
        Assert.Equal("random", Lb(Upsert(p, ResourceKind.Services, Web("random"))));

        Assert.Equal("LEAST_REQUEST", Lb(Upsert(p, ResourceKind.DestinationRules, Rule("r", "web", "LEAST_REQUEST", T0))));
        Assert.Equal(1, p.ServicesWithRule);
        // Only the service changes: its endpoints are untouched.
        Assert.Empty(Upsert(p, ResourceKind.DestinationRules, Rule("r", "web", "LEAST_REQUEST", T0)));

        Assert.Equal("random", Lb(Delete(p, ResourceKind.DestinationRules, Rule("r", "web", null, T0))));
        Assert.Equal(0, p.ServicesWithRule);
        Assert.Equal(0, p.DestinationRules);
    }

    [Fact]
    public void Rule_ForServiceNotYetSeen_AppliesWhenTheServiceArrives()
    {
        var p = Create();
        Assert.Empty(Upsert(p, ResourceKind.DestinationRules, Rule("r", "web.demo.svc.cluster.local", "RANDOM", T0)));
        var changes = Upsert(p, ResourceKind.Services, Web());
        Assert.Equal("RANDOM", Lb(changes));
    }

    [Fact]
    public void SeveralRulesForOneHost_OldestWins_ConflictReportedOnce_DeleteHandsOver()
    {
        var p = Create();
        Upsert(p, ResourceKind.Services, Web());
        Assert.Equal("RANDOM", Lb(Upsert(p, ResourceKind.DestinationRules, Rule("young", "web", "RANDOM", T0.AddHours(1)))));
        Assert.Empty(p.TakeNotices());

        // An older rule (in another namespace, naming the host fully) takes over.
        Assert.Equal("LEAST_CONN", Lb(Upsert(p, ResourceKind.DestinationRules, Rule("old", "web.demo.svc.cluster.local", "LEAST_CONN", T0, ns: "ops"))));
        var conflict = Assert.Single(p.TakeNotices());
        Assert.Contains("ops/old (the oldest) applies, ignored: demo/young", conflict, StringComparison.Ordinal);

        // Re-applying the same rules, or a re-list, does not report it again.
        Assert.Empty(Upsert(p, ResourceKind.DestinationRules, Rule("young", "web", "RANDOM", T0.AddHours(1))));
        p.Diff(p.Replace(ResourceKind.DestinationRules,
            [Json(Rule("young", "web", "RANDOM", T0.AddHours(1))), Json(Rule("old", "web.demo.svc.cluster.local", "LEAST_CONN", T0, ns: "ops"))], (_, _) => { }));
        Assert.Empty(p.TakeNotices());

        Assert.Equal("RANDOM", Lb(Delete(p, ResourceKind.DestinationRules, Rule("old", "web.demo.svc.cluster.local", null, T0, ns: "ops"))));
    }

    [Fact]
    public void SameCreationTime_NameDecides()
    {
        var p = Create();
        Upsert(p, ResourceKind.Services, Web());
        Upsert(p, ResourceKind.DestinationRules, Rule("b-rule", "web", "RANDOM", T0));
        Assert.Equal("ROUND_ROBIN", Lb(Upsert(p, ResourceKind.DestinationRules, Rule("a-rule", "web", "ROUND_ROBIN", T0))));
    }

    [Fact]
    public void RuleWithoutTrafficPolicy_DoesNotCompete_OldestPolicyWithoutLoadBalancer_KeepsTheServicesOwn()
    {
        var p = Create();
        Upsert(p, ResourceKind.Services, Web("random"));
        Assert.Equal("LEAST_REQUEST", Lb(Upsert(p, ResourceKind.DestinationRules, Rule("lb", "web", "LEAST_REQUEST", T0.AddHours(1)))));

        // Older but without trafficPolicy (subsets only): it does not take the host's policy.
        Assert.Empty(Upsert(p, ResourceKind.DestinationRules, Rule("subsets", "web", null, T0)));
        Assert.Empty(p.TakeNotices());

        // Older with a trafficPolicy that sets no loadBalancer: as Istio merges rules, its policy is the
        // host's, and the younger rule's load balancer is dropped, so the service's own choice applies.
        var pool = FakeObjects.DestinationRule("demo", "pool", "web", new JsonObject { ["connectionPool"] = new JsonObject() }, T0);
        Assert.Equal("random", Lb(Upsert(p, ResourceKind.DestinationRules, pool)));
        Assert.Single(p.TakeNotices());
    }

    [Fact]
    public void HostChanged_OldServiceFallsBack_NewServiceGetsIt()
    {
        var p = Create();
        Upsert(p, ResourceKind.Services, Web());
        Upsert(p, ResourceKind.Services, FakeObjects.Service("demo", "api", "10.96.0.11"));
        Upsert(p, ResourceKind.DestinationRules, Rule("r", "web", "RANDOM", T0));

        var changes = Upsert(p, ResourceKind.DestinationRules, Rule("r", "api", "RANDOM", T0));
        Assert.Equal(2, changes.Count);
        Assert.Null(Assert.IsType<MeshService>(Assert.Single(changes, c => c.Key == "demo/web").Value).LoadBalancer);
        Assert.Equal("RANDOM", Assert.IsType<MeshService>(Assert.Single(changes, c => c.Key == "demo/api").Value).LoadBalancer);
    }

    [Fact]
    public void RuleBecomesUnusable_RemovedAndServiceFallsBack()
    {
        var p = Create();
        Upsert(p, ResourceKind.Services, Web());
        Upsert(p, ResourceKind.DestinationRules, Rule("r", "web", "RANDOM", T0));

        var wildcard = Rule("r", "*.demo.svc.cluster.local", "RANDOM", T0);
        var changes = p.Diff(p.Upsert(ResourceKind.DestinationRules, Json(wildcard), [], out var skip));
        Assert.StartsWith("wildcard host", skip, StringComparison.Ordinal);
        Assert.Null(Lb(changes));
        Assert.Equal(0, p.DestinationRules);
    }

    [Fact]
    public void HashKeyNotice_OncePerRule_AgainAfterItWentAway()
    {
        var p = Create();
        Upsert(p, ResourceKind.Services, Web());
        var header = FakeObjects.DestinationRule("demo", "r", "web", FakeObjects.ConsistentHashLoadBalancer(new JsonObject { ["httpHeaderName"] = "x-user" }), T0);

        Assert.Equal("consistentHash", Lb(Upsert(p, ResourceKind.DestinationRules, header)));
        Assert.Contains("HTTP header 'x-user'", Assert.Single(p.TakeNotices()), StringComparison.Ordinal);
        Upsert(p, ResourceKind.DestinationRules, header);
        p.Replace(ResourceKind.DestinationRules, [Json(header)], (_, _) => { });
        Assert.Empty(p.TakeNotices());

        Upsert(p, ResourceKind.DestinationRules, Rule("r", "web", "RANDOM", T0));
        Upsert(p, ResourceKind.DestinationRules, header);
        Assert.Single(p.TakeNotices());

        // Deleted and created again: a new rule, so a new notice.
        Delete(p, ResourceKind.DestinationRules, header);
        Upsert(p, ResourceKind.DestinationRules, header);
        Assert.Single(p.TakeNotices());
    }

    [Fact]
    public void Replace_WithNoRules_ClearsEveryOverride()
    {
        var p = Create();
        Upsert(p, ResourceKind.Services, Web("random"));
        Upsert(p, ResourceKind.DestinationRules, Rule("r", "web", "LEAST_REQUEST", T0));

        var changes = p.Diff(p.Replace(ResourceKind.DestinationRules, [], (_, _) => { }));
        Assert.Equal("random", Lb(changes));
        Assert.Equal(0, p.DestinationRules);
    }
}
