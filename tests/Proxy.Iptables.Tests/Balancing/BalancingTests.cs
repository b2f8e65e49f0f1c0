using System.Net;
using PluginMesh.Plugins.Proxy.Iptables.Balancing;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Balancing;

public sealed class BalancingTests
{
    private static List<Backend> Backends(int n) =>
        Enumerable.Range(1, n).Select(i => new Backend(new IPEndPoint(IPAddress.Parse($"10.244.0.{i}"), 8080), "node-a", false, new BackendHealth())).ToList();

    private static IPAddress Client(int i) => new([10, 1, (byte)(i >> 8), (byte)i]);

    private static Dictionary<int, int> Histogram(ILoadBalancingPolicy policy, IReadOnlyList<Backend> backends, int picks, Func<int, IPAddress>? client = null)
    {
        var counts = Enumerable.Range(0, backends.Count).ToDictionary(i => i, _ => 0);
        for (var i = 0; i < picks; i++) counts[policy.Pick(backends, (client ?? Client)(i))]++;
        return counts;
    }

    [Fact]
    public void RoundRobin_Pick_SpreadsExactlyEvenly()
    {
        var counts = Histogram(new RoundRobinPolicy(), Backends(3), 300);
        Assert.All(counts.Values, c => Assert.Equal(100, c));
    }

    [Fact]
    public void Random_PickWithSeed_IsRoughlyEven()
    {
        var counts = Histogram(new RandomPolicy(new Random(42)), Backends(4), 40_000);
        Assert.All(counts.Values, c => Assert.InRange(c, 9_000, 11_000));
    }

    [Fact]
    public void LeastConnections_Pick_PrefersIdleAndRotatesTies()
    {
        var backends = Backends(3);
        backends[0].Health.Acquire();
        backends[0].Health.Acquire();
        backends[1].Health.Acquire();
        var policy = new LeastConnectionsPolicy();
        Assert.Equal(2, policy.Pick(backends, Client(1)));

        backends[1].Health.Release();
        backends[0].Health.Release();
        backends[0].Health.Release();
        var counts = Histogram(policy, backends, 300);
        Assert.All(counts.Values, c => Assert.Equal(100, c));
    }

    [Fact]
    public void ConsistentHash_SameClient_AlwaysSameEndpoint()
    {
        var backends = Backends(5);
        var policy = new ConsistentHashPolicy();
        for (var c = 0; c < 200; c++)
        {
            var first = policy.Pick(backends, Client(c));
            for (var i = 0; i < 5; i++) Assert.Equal(first, policy.Pick(backends, Client(c)));
        }
    }

    [Fact]
    public void ConsistentHash_EndpointRemoved_OnlyItsClientsMove()
    {
        var backends = Backends(5);
        var policy = new ConsistentHashPolicy();
        const int clients = 5000;
        var before = Enumerable.Range(0, clients).Select(c => backends[policy.Pick(backends, Client(c))].EndPoint).ToList();
        var removed = backends[2].EndPoint;
        var fewer = backends.Where(b => !b.EndPoint.Equals(removed)).ToList();
        var after = Enumerable.Range(0, clients).Select(c => fewer[policy.Pick(fewer, Client(c))].EndPoint).ToList();

        for (var c = 0; c < clients; c++)
        {
            // Clients of surviving endpoints stay put; only the removed endpoint's clients move.
            if (!before[c].Equals(removed)) Assert.Equal(before[c], after[c]);
        }
        var share = before.Count(e => e.Equals(removed)) / (double)clients;
        Assert.InRange(share, 0.10, 0.30);
        // And the ring spreads clients over every endpoint.
        Assert.Equal(5, before.Distinct().Count());
    }

    [Fact]
    public void Affinity_WithinTimeout_KeepsEndpoint_AfterTimeout_Rebalances()
    {
        var time = new ManualTime();
        var balancer = new ServiceBalancer(new RoundRobinPolicy(), new SessionAffinityTable(time, TimeSpan.FromSeconds(10)), time);
        balancer.Update(Backends(3));
        var client = IPAddress.Parse("10.1.0.9");
        var first = balancer.Choose(client)!.EndPoint;
        for (var i = 0; i < 10; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(first, balancer.Choose(client)!.EndPoint);
        }
        // Another client moves the round robin on; after expiry our client gets the next in turn.
        balancer.Choose(IPAddress.Parse("10.1.0.10"));
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.NotEqual(first, balancer.Choose(client)!.EndPoint);
    }

    [Fact]
    public void Ejection_AfterRepeatedFailures_SkipsEndpointUntilExpiry()
    {
        var time = new ManualTime();
        var backends = Backends(2);
        var balancer = new ServiceBalancer(new RoundRobinPolicy(), null, time);
        balancer.Update(backends);
        var now = time.GetUtcNow().UtcTicks;
        Assert.False(backends[0].Health.RecordFailure(now, 3, TimeSpan.FromSeconds(30)));
        Assert.False(backends[0].Health.RecordFailure(now, 3, TimeSpan.FromSeconds(30)));
        Assert.True(backends[0].Health.RecordFailure(now, 3, TimeSpan.FromSeconds(30)));

        for (var i = 0; i < 10; i++) Assert.Equal(backends[1].EndPoint, balancer.Choose(Client(i))!.EndPoint);
        time.Advance(TimeSpan.FromSeconds(31));
        var picked = Enumerable.Range(0, 10).Select(i => balancer.Choose(Client(i))!.EndPoint).Distinct().Count();
        Assert.Equal(2, picked);
    }

    [Fact]
    public void Ejection_NoPathYet_EndsAfterTheShortNoPathEjection_OtherFailuresAfterEjectFor()
    {
        var time = new ManualTime();
        var backends = Backends(2);
        var now = time.GetUtcNow().UtcTicks;
        Assert.True(backends[0].Health.RecordFailure(now, 1, TimeSpan.FromMinutes(10), noPath: true));
        Assert.True(backends[1].Health.RecordFailure(now, 1, TimeSpan.FromMinutes(10)));
        var after = now + BackendHealth.NoPathEjection.Ticks + 1;
        Assert.False(backends[0].Health.IsEjected(after));
        Assert.True(backends[1].Health.IsEjected(after));
        // A shorter ejectFor than the no-path bound stays as configured.
        Assert.True(backends[0].Health.RecordFailure(now, 1, TimeSpan.FromTicks(10), noPath: true));
        Assert.False(backends[0].Health.IsEjected(now + 10));
    }

    [Fact]
    public void Ejection_AllEndpointsEjected_StillPicksOne()
    {
        var time = new ManualTime();
        var backends = Backends(2);
        var balancer = new ServiceBalancer(new RoundRobinPolicy(), null, time);
        balancer.Update(backends);
        foreach (var b in backends) b.Health.RecordFailure(time.GetUtcNow().UtcTicks, 1, TimeSpan.FromMinutes(1));
        Assert.NotNull(balancer.Choose(Client(1)));
    }

    [Fact]
    public void Choose_ExcludingTried_ReturnsNullWhenNoneLeft()
    {
        var balancer = new ServiceBalancer(new RoundRobinPolicy(), null, TimeProvider.System);
        var backends = Backends(2);
        balancer.Update(backends);
        Assert.Null(balancer.Choose(Client(1), backends.Select(b => b.EndPoint).ToList()));
    }

    [Theory]
    [InlineData("ROUND_ROBIN", LoadBalancerKind.RoundRobin)]
    [InlineData("roundRobin", LoadBalancerKind.RoundRobin)]
    [InlineData("RANDOM", LoadBalancerKind.Random)]
    [InlineData("LEAST_CONN", LoadBalancerKind.LeastConnections)]
    [InlineData("LEAST_REQUEST", LoadBalancerKind.LeastConnections)]
    [InlineData("consistentHash", LoadBalancerKind.ConsistentHash)]
    [InlineData("RING_HASH", LoadBalancerKind.ConsistentHash)]
    [InlineData("script", LoadBalancerKind.Script)]
    public void LoadBalancerNames_TryParse_MapsIstioAndOwnNames(string name, LoadBalancerKind expected)
    {
        Assert.True(LoadBalancerNames.TryParse(name, out var kind));
        Assert.Equal(expected, kind);
    }

    [Theory]
    [InlineData("PASSTHROUGH")]
    [InlineData("")]
    [InlineData(null)]
    public void LoadBalancerNames_TryParse_RejectsUnknown(string? name) => Assert.False(LoadBalancerNames.TryParse(name, out _));
}
