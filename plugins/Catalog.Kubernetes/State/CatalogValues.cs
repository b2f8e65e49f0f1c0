namespace PluginMesh.Plugins.Catalog.Kubernetes.State;

/// <summary>
/// Whether two catalog values say the same thing, so a re-list or a repeated watch event that
/// changes nothing publishes nothing. The records hold lists and dictionaries, which record
/// equality compares by reference; this compares their content, every field of every kind (a field
/// left out here would be a change never published). Labels are compared as sets of pairs (a map
/// rebuilt in another order is the same map); null and empty labels differ.
/// </summary>
internal static class CatalogValues
{
    public static bool SameContent(object a, object b) => (a, b) switch
    {
        (MeshService x, MeshService y) => Same(x, y),
        (ServiceEndpoints x, ServiceEndpoints y) => x.Service == y.Service && x.Endpoints.SequenceEqual(y.Endpoints, EndpointContent.Instance),
        (MeshNode x, MeshNode y) => x.Name == y.Name && x.PodCidrs.SequenceEqual(y.PodCidrs, StringComparer.Ordinal)
            && x.Addresses.SequenceEqual(y.Addresses) && SameLabels(x.Labels, y.Labels) && SameAgent(x.Agent, y.Agent),
        // Strings only: record equality is content equality (the JSON compared as text, as the contract says).
        (MeshResource x, MeshResource y) => x == y,
        // Only the kinds above are ever published; anything else counts as changed, which is always safe.
        _ => false,
    };

    private static bool Same(MeshService x, MeshService y) =>
        x.Key == y.Key && x.ClusterIps.SequenceEqual(y.ClusterIps) && x.Ports.SequenceEqual(y.Ports)
        && x.Headless == y.Headless && x.Affinity == y.Affinity && x.AffinityTimeoutSeconds == y.AffinityTimeoutSeconds
        && x.LoadBalancer == y.LoadBalancer && SameLabels(x.Labels, y.Labels);

    private static bool SameAgent(NodeAgent? x, NodeAgent? y) =>
        x is null || y is null
            ? x is null && y is null
            : x.PeerId.Equals(y.PeerId) && x.OffersRelay == y.OffersRelay && x.Addresses.SequenceEqual(y.Addresses);

    private static bool SameLabels(IReadOnlyDictionary<string, string>? x, IReadOnlyDictionary<string, string>? y)
    {
        if (x is null || y is null) return x is null && y is null;
        if (x.Count != y.Count) return false;

        // Ordinal pairs rather than lookups, so a map with a case-insensitive comparer is not equal to one that differs in case.
        return x.OrderBy(kv => kv.Key, StringComparer.Ordinal).SequenceEqual(y.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    private sealed class EndpointContent : IEqualityComparer<MeshEndpoint>
    {
        public static EndpointContent Instance { get; } = new();

        public bool Equals(MeshEndpoint? x, MeshEndpoint? y) =>
            ReferenceEquals(x, y) || x is not null && y is not null
            && x.Address.Equals(y.Address) && x.NodeName == y.NodeName && x.Ready == y.Ready
            && x.Ports.SequenceEqual(y.Ports) && x.Hostname == y.Hostname;

        public int GetHashCode(MeshEndpoint obj) => obj.Address.GetHashCode();
    }
}
