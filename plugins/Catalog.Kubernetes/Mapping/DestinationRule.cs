namespace PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

/// <summary>What the catalog takes from one Istio DestinationRule.</summary>
/// <param name="Key"><c>namespace/name</c> of the rule.</param>
/// <param name="Namespace">The rule's namespace.</param>
/// <param name="Name">The rule's name.</param>
/// <param name="Created"><c>metadata.creationTimestamp</c> (<see cref="DateTimeOffset.MaxValue"/> when absent: such a rule never beats a dated one).</param>
/// <param name="Host"><c>spec.host</c> as written.</param>
/// <param name="Target">The Service <c>spec.host</c> names.</param>
/// <param name="HasTrafficPolicy">True when the rule has a top-level <c>trafficPolicy</c>; only such rules compete for a host.</param>
/// <param name="LoadBalancer">The policy name for <see cref="MeshService.LoadBalancer"/>, or null when the traffic policy sets none.</param>
internal sealed record DestinationRule(
    string Key,
    string Namespace,
    string Name,
    DateTimeOffset Created,
    string Host,
    ServiceKey Target,
    bool HasTrafficPolicy,
    string? LoadBalancer)
{
    /// <summary>
    /// Istio's precedence among rules for one host: oldest <c>creationTimestamp</c> first, then name,
    /// then namespace (so the order is total and the same on every node).
    /// </summary>
    public static int Compare(DestinationRule? a, DestinationRule? b)
    {
        if (ReferenceEquals(a, b)) return 0;
        if (a is null) return 1;
        if (b is null) return -1;
        var byTime = a.Created.CompareTo(b.Created);
        if (byTime != 0) return byTime;
        var byName = string.CompareOrdinal(a.Name, b.Name);
        return byName != 0 ? byName : string.CompareOrdinal(a.Namespace, b.Namespace);
    }
}

/// <summary>A problem with a rule that is applied anyway, reported once per rule.</summary>
/// <param name="Code">Short stable identifier (e.g. <c>hash-key</c>) used to report each problem once.</param>
/// <param name="Message">Text for the log.</param>
internal sealed record RuleNotice(string Code, string Message);
