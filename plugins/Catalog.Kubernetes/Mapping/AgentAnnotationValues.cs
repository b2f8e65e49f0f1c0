namespace PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

/// <summary>The three annotation values one agent publishes; equal values mean nothing to patch.</summary>
/// <param name="PeerId">Value of <c>pluginmesh.io/peer-id</c>.</param>
/// <param name="Addresses">Value of <c>pluginmesh.io/addrs</c> (a JSON array, <c>[]</c> when none is dialable).</param>
/// <param name="Relay"><c>"true"</c>, or null: the annotation is removed.</param>
/// <param name="AddressCount">How many addresses <paramref name="Addresses"/> holds.</param>
internal sealed record AgentAnnotationValues(string PeerId, string Addresses, string? Relay, int AddressCount)
{
    /// <summary>Key → value, null meaning "remove it" (a merge patch's <c>null</c>).</summary>
    public IReadOnlyDictionary<string, string?> ToDictionary() => new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        [AgentAnnotations.PeerIdKey] = PeerId,
        [AgentAnnotations.AddressesKey] = Addresses,
        [AgentAnnotations.RelayKey] = Relay,
    };

    /// <summary>True when <paramref name="annotations"/> (a Node's, or only its <c>pluginmesh.io/*</c> ones) already carry exactly these values.</summary>
    public bool IsOn(IReadOnlyDictionary<string, string>? annotations) =>
        annotations is not null
        && annotations.TryGetValue(AgentAnnotations.PeerIdKey, out var peer) && peer == PeerId
        && annotations.TryGetValue(AgentAnnotations.AddressesKey, out var addresses) && addresses == Addresses
        && (annotations.TryGetValue(AgentAnnotations.RelayKey, out var relay) ? relay == Relay : Relay is null);
}
