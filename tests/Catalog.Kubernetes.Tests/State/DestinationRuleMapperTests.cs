using System.Text.Json;
using System.Text.Json.Nodes;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.State;

public sealed class DestinationRuleMapperTests
{
    private static DestinationRule? Map(JsonObject obj, out string? skip, out List<RuleNotice> notices)
    {
        notices = [];
        return DestinationRuleMapper.Map(JsonDocument.Parse(obj.ToJsonString()).RootElement, notices, out skip);
    }

    private static DestinationRule Rule(JsonObject? trafficPolicy, out List<RuleNotice> notices)
    {
        var rule = Map(FakeObjects.DestinationRule("demo", "r", "web", trafficPolicy), out var skip, out notices);
        Assert.Null(skip);
        return rule!;
    }

    [Theory]
    [InlineData("reviews", "demo", "reviews")]
    [InlineData("reviews.demo", "demo", "reviews")]
    [InlineData("reviews.other", "other", "reviews")]
    [InlineData("reviews.other.svc", "other", "reviews")]
    [InlineData("reviews.other.svc.cluster.local", "other", "reviews")]
    [InlineData("reviews.other.svc.edge.example.", "other", "reviews")]
    [InlineData("Reviews.Other.SVC.cluster.local", "other", "reviews")]
    public void Host_ShortOrQualified_ResolvesToTheService(string host, string ns, string name)
    {
        Assert.True(DestinationRuleMapper.TryResolveHost(host, "demo", out var target, out var problem), problem);
        Assert.Equal(new ServiceKey(ns, name), target);
    }

    [Theory]
    [InlineData("*", "wildcard host")]
    [InlineData("*.demo.svc.cluster.local", "wildcard host")]
    [InlineData("api.example.com", "host outside the cluster")]
    [InlineData("reviews.demo.global", "host outside the cluster")]
    [InlineData("10.96.0.10", "host outside the cluster")]
    [InlineData("under_score.demo", "malformed host")]
    [InlineData("reviews..svc", "malformed host")]
    public void Host_WildcardOutsideOrMalformed_Refused(string host, string reason)
    {
        Assert.False(DestinationRuleMapper.TryResolveHost(host, "demo", out _, out var problem));
        Assert.StartsWith(reason, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ROUND_ROBIN", "ROUND_ROBIN")]
    [InlineData("RANDOM", "RANDOM")]
    [InlineData("LEAST_CONN", "LEAST_CONN")]
    [InlineData("LEAST_REQUEST", "LEAST_REQUEST")]
    // Not something an L4 proxy does: passed on as written, the proxy warns and uses its default.
    [InlineData("PASSTHROUGH", "PASSTHROUGH")]
    [InlineData("SOMETHING_NEW", "SOMETHING_NEW")]
    // The enum's "not set": the service keeps its own choice.
    [InlineData("UNSPECIFIED", null)]
    public void Simple_PassesThroughByName(string simple, string? expected)
    {
        var rule = Rule(FakeObjects.SimpleLoadBalancer(simple), out var notices);
        Assert.True(rule.HasTrafficPolicy);
        Assert.Equal(expected, rule.LoadBalancer);
        Assert.Empty(notices);
        Assert.Equal(new ServiceKey("demo", "web"), rule.Target);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), rule.Created);
    }

    [Fact]
    public void ConsistentHash_OnSourceIp_IsConsistentHashWithoutNotice()
    {
        var rule = Rule(FakeObjects.ConsistentHashLoadBalancer(new JsonObject { ["useSourceIp"] = true }), out var notices);
        Assert.Equal(DestinationRuleMapper.ConsistentHash, rule.LoadBalancer);
        Assert.Empty(notices);
    }

    [Theory]
    [InlineData("""{"httpHeaderName":"x-user"}""", "HTTP header 'x-user'")]
    [InlineData("""{"httpCookie":{"name":"session","ttl":"0s"}}""", "HTTP cookie 'session'")]
    [InlineData("""{"httpQueryParameterName":"user"}""", "query parameter 'user'")]
    [InlineData("""{"ringHash":{"minimumRingSize":1024}}""", "no hash key")]
    public void ConsistentHash_OnHttpKeys_HashesSourceIpWithNotice(string hash, string key)
    {
        var rule = Rule(FakeObjects.ConsistentHashLoadBalancer(JsonNode.Parse(hash)!.AsObject()), out var notices);
        Assert.Equal(DestinationRuleMapper.ConsistentHash, rule.LoadBalancer);
        var notice = Assert.Single(notices);
        Assert.Equal("hash-key", notice.Code);
        Assert.Contains(key, notice.Message, StringComparison.Ordinal);
        Assert.Contains("source IP", notice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PortLevelSettings_IgnoredWithNotice_TopLevelStillApplies()
    {
        var policy = FakeObjects.SimpleLoadBalancer("RANDOM");
        policy["portLevelSettings"] = new JsonArray(new JsonObject
        {
            ["port"] = new JsonObject { ["number"] = 80 },
            ["loadBalancer"] = new JsonObject { ["simple"] = "LEAST_REQUEST" },
        });
        var rule = Rule(policy, out var notices);
        Assert.Equal("RANDOM", rule.LoadBalancer);
        Assert.Equal("port-level", Assert.Single(notices).Code);
    }

    [Fact]
    public void TrafficPolicyWithoutLoadBalancer_HasPolicyButNoName()
    {
        var rule = Rule(new JsonObject { ["connectionPool"] = new JsonObject { ["tcp"] = new JsonObject { ["maxConnections"] = 10 } } }, out _);
        Assert.True(rule.HasTrafficPolicy);
        Assert.Null(rule.LoadBalancer);

        var none = Rule(null, out _);
        Assert.False(none.HasTrafficPolicy);
        Assert.Null(none.LoadBalancer);
    }

    [Theory]
    [InlineData("""{"host":"web","trafficPolicy":"fast"}""", "spec.trafficPolicy is not an object")]
    [InlineData("""{"host":"web","trafficPolicy":{"loadBalancer":["RANDOM"]}}""", "spec.trafficPolicy.loadBalancer is not an object")]
    [InlineData("""{"host":"web","trafficPolicy":{"loadBalancer":{"simple":3}}}""", "spec.trafficPolicy.loadBalancer.simple is not a string")]
    [InlineData("""{"host":"web","trafficPolicy":{"loadBalancer":{"consistentHash":true}}}""", "spec.trafficPolicy.loadBalancer.consistentHash is not an object")]
    [InlineData("""{"trafficPolicy":{"loadBalancer":{"simple":"RANDOM"}}}""", "no spec.host")]
    [InlineData("""{"host":42}""", "no spec.host")]
    [InlineData("""{"host":"web","workloadSelector":{"matchLabels":{"app":"x"}}}""", "workloadSelector")]
    [InlineData("\"not an object\"", "spec is missing or not an object")]
    public void NotAUsableRule_SkippedWithReason(string spec, string reason)
    {
        var obj = FakeObjects.DestinationRule("demo", "r", "web", null);
        obj["spec"] = JsonNode.Parse(spec);
        Assert.Null(Map(obj, out var skip, out _));
        Assert.StartsWith(reason, skip, StringComparison.Ordinal);
    }

    [Fact]
    public void NoSpecOrNoName_Skipped()
    {
        var noSpec = FakeObjects.DestinationRule("demo", "r", "web", null);
        noSpec.Remove("spec");
        Assert.Null(Map(noSpec, out var skip, out _));
        Assert.NotNull(skip);

        var noName = FakeObjects.DestinationRule("demo", "r", "web", null);
        noName["metadata"]!.AsObject().Remove("name");
        Assert.Null(Map(noName, out skip, out _));
        Assert.Equal("no metadata.name", skip);
    }
}
