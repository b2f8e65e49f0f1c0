using PluginMesh.Abstractions.Catalog;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

/// <summary>
/// Field-by-field equality of catalog values: the records hold lists and dictionaries, which
/// record equality compares by reference.
/// </summary>
internal static class CatalogAssert
{
    public static void Same(IReadOnlyList<CatalogChange> expected, IReadOnlyList<CatalogChange> actual)
    {
        Assert.Equal(expected.Select(c => (c.Kind, c.Key)), actual.Select(c => (c.Kind, c.Key)));
        for (var i = 0; i < expected.Count; i++) Same(expected[i].Value, actual[i].Value);
    }

    public static void Same(object? expected, object? actual)
    {
        switch (expected)
        {
            case null:
                Assert.Null(actual);
                break;
            case MeshService s:
                var service = Assert.IsType<MeshService>(actual);
                Assert.Equal(s.Key, service.Key);
                Assert.Equal(s.ClusterIps, service.ClusterIps);
                Assert.Equal(s.Ports, service.Ports);
                Assert.Equal((s.Headless, s.Affinity, s.AffinityTimeoutSeconds, s.LoadBalancer, s.ExternalTraffic, s.HealthCheckNodePort),
                    (service.Headless, service.Affinity, service.AffinityTimeoutSeconds, service.LoadBalancer, service.ExternalTraffic, service.HealthCheckNodePort));
                Assert.Equal(s.ExternalIps ?? [], service.ExternalIps ?? []);
                SameLabels(s.Labels, service.Labels);
                break;
            case ServiceEndpoints e:
                var endpoints = Assert.IsType<ServiceEndpoints>(actual);
                Assert.Equal(e.Service, endpoints.Service);
                Assert.Equal(e.Endpoints.Count, endpoints.Endpoints.Count);
                foreach (var (want, got) in e.Endpoints.Zip(endpoints.Endpoints))
                {
                    Assert.Equal((want.Address, want.NodeName, want.Ready, want.Hostname), (got.Address, got.NodeName, got.Ready, got.Hostname));
                    Assert.Equal(want.Ports, got.Ports);
                }

                break;
            case MeshNode n:
                var node = Assert.IsType<MeshNode>(actual);
                Assert.Equal(n.Name, node.Name);
                Assert.Equal(n.PodCidrs, node.PodCidrs);
                Assert.Equal(n.Addresses, node.Addresses);
                SameLabels(n.Labels, node.Labels);
                Assert.Equal(n.Agent is null, node.Agent is null);
                if (n.Agent is { } agent)
                {
                    Assert.Equal(agent.PeerId, node.Agent!.PeerId);
                    Assert.Equal(agent.Addresses, node.Agent.Addresses);
                    Assert.Equal(agent.OffersRelay, node.Agent.OffersRelay);
                }

                break;
            case MeshResource r:
                // Strings only: record equality compares every field, the JSON as text.
                Assert.Equal(r, Assert.IsType<MeshResource>(actual));
                break;
            default:
                Assert.Fail($"not a catalog value: {expected.GetType().Name}");
                break;
        }
    }

    private static void SameLabels(IReadOnlyDictionary<string, string>? expected, IReadOnlyDictionary<string, string>? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }

        Assert.NotNull(actual);
        Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal), actual.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }
}
