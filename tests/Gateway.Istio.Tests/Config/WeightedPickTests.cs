using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Gateway.Istio.Model;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Config;

/// <summary>Weighted destinations: every prefix of the picks gives each destination its share to within one pick.</summary>
public sealed class WeightedPickTests
{
    private static RouteDestination[] Destinations(params int[] weights) =>
        [.. weights.Select((w, i) => new RouteDestination(new ServiceKey("default", $"v{i}"), 80, w))];

    private static HttpRoute Route(RouteDestination[] destinations) => new("r", "default/vs", ["*"], [], destinations, null, null, null);

    [Theory]
    [InlineData(new[] { 75, 25 })]
    [InlineData(new[] { 90, 10 })]
    [InlineData(new[] { 33, 33, 34 })]
    [InlineData(new[] { 1, 2, 3, 4, 90 })]
    [InlineData(new[] { 50, 0, 50 })]
    [InlineData(new[] { 7 })]
    [InlineData(new[] { 1, 1000000 })]
    public void Pick_1000Requests_EachWithinOneOfItsShare_AtEveryStep(int[] weights)
    {
        var destinations = Destinations(weights);
        var route = Route(destinations);
        var counts = new int[weights.Length];
        var total = weights.Sum();
        for (var n = 1; n <= 1000; n++)
        {
            counts[Array.IndexOf(destinations, route.PickDestination())]++;
            for (var i = 0; i < weights.Length; i++)
            {
                var share = (double)n * weights[i] / total;
                Assert.True(Math.Abs(counts[i] - share) < 1, $"after {n} picks {destinations[i].Service.Name} had {counts[i]}, its share is {share:F2}");
            }
        }

        for (var i = 0; i < weights.Length; i++)
        {
            if (weights[i] == 0) Assert.Equal(0, counts[i]);
        }
    }

    public static Arbitrary<int[]> WeightLists() =>
        Gen.ListOf(Gen.OneOf(Gen.Choose(0, 5), Gen.Choose(0, 100), Gen.Choose(0, 100_000))).Where(l => l.Count is > 0 and <= 8 && l.Sum() > 0)
            .Select(l => l.ToArray()).ToArbitrary();

    [Property(Arbitrary = [typeof(WeightedPickTests)], MaxTest = 200)]
    public bool Pick_AnyWeights_EveryPrefixWithinOne(int[] weights)
    {
        var destinations = Destinations(weights);
        var stream = new StreamRoute("s", "default/vs", [], null, destinations);
        var counts = new long[weights.Length];
        long total = weights.Sum();
        for (var n = 1; n <= 400; n++)
        {
            counts[Array.IndexOf(destinations, stream.PickDestination())]++;
            for (var i = 0; i < weights.Length; i++)
            {
                if (Math.Abs(counts[i] * total - (long)n * weights[i]) >= total) return false;
            }
        }

        return true;
    }

    [Fact]
    public void Pick_FromManyThreads_TotalsAreExactOverWholePeriods()
    {
        var destinations = Destinations(3, 5, 2);
        var route = Route(destinations);
        var counts = new int[3];
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 5000; i++) Interlocked.Increment(ref counts[Array.IndexOf(destinations, route.PickDestination())]);
        });

        // 40 000 picks = 4 000 periods of 10.
        Assert.Equal([12_000, 20_000, 8_000], counts);
    }

    [Fact]
    public void Pick_NoPositiveWeight_SaysWhichRoute()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Route(Destinations(0, 0)).PickDestination());
        Assert.Contains("'r'", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => Route([]).PickDestination());
    }

    [Fact]
    public void Routes_WithTheSameValues_AreEqual_WhateverTheyPicked()
    {
        var destinations = Destinations(1, 1);
        string[] hosts = ["*"];
        var a = new HttpRoute("r", "default/vs", hosts, [], destinations, null, null, null);
        var b = new HttpRoute("r", "default/vs", hosts, [], destinations, null, null, null);
        a.PickDestination();
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }
}
