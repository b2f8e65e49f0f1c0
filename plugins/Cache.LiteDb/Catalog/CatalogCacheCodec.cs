using System.Net;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Cache.LiteDb.Catalog;

/// <summary>
/// Converts catalog records to and from their cache documents. Decoding is tolerant: a document
/// that no longer parses (hand-edited, written by an older build) yields null and is skipped, so
/// one bad document never stops the rest of the cache from being served.
/// </summary>
internal static class CatalogCacheCodec
{
    /// <summary>Encodes a service.</summary>
    public static CachedService Encode(MeshService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return new CachedService(
            service.Key.Namespace,
            service.Key.Name,
            service.ClusterIps.Select(ip => ip.ToString()).ToList(),
            service.Ports.Select(p => new CachedServicePort(p.Name, p.Port, p.Protocol.ToString(), p.TargetPort, p.TargetPortName, p.NodePort)).ToList(),
            service.Headless,
            service.Affinity.ToString(),
            service.AffinityTimeoutSeconds,
            service.LoadBalancer,
            SortedLabels(service.Labels),
            service.ExternalIps?.Select(ip => ip.ToString()).ToList(),
            service.ExternalTraffic == ExternalTrafficPolicy.Local ? nameof(ExternalTrafficPolicy.Local) : null,
            service.HealthCheckNodePort);
    }

    /// <summary>Encodes the endpoints of one service.</summary>
    public static CachedEndpoints Encode(ServiceEndpoints endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return new CachedEndpoints(
            endpoints.Service.Namespace,
            endpoints.Service.Name,
            endpoints.Endpoints.Select(e => new CachedEndpoint(
                e.Address.ToString(),
                e.NodeName,
                e.Ready,
                e.Ports.Select(p => new CachedEndpointPort(p.Name, p.Port, p.Protocol.ToString())).ToList(),
                e.Hostname)).ToList());
    }

    /// <summary>Encodes a node.</summary>
    public static CachedNode Encode(MeshNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new CachedNode(
            node.Name,
            node.PodCidrs.ToList(),
            node.Addresses.Select(a => a.ToString()).ToList(),
            SortedLabels(node.Labels),
            node.Agent is { } agent ? new CachedAgent(agent.PeerId.ToString(), agent.Addresses.Select(a => a.ToString()).ToList(), agent.OffersRelay) : null);
    }

    /// <summary>Encodes a resource of a kind a plugin asked for.</summary>
    public static CachedResource Encode(MeshResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return new CachedResource(resource.Key.Group, resource.Key.Kind, resource.Key.Namespace, resource.Key.Name, resource.ApiVersion, resource.Json);
    }

    /// <summary>
    /// Decodes a resource, or null when the document is not usable: a part of its key missing, a key that is not
    /// the one it is stored under (<paramref name="key"/>), or JSON text that is not an object.
    /// </summary>
    public static MeshResource? Decode(string key, CachedResource? doc)
    {
        if (doc is null || string.IsNullOrEmpty(doc.Kind) || string.IsNullOrEmpty(doc.Name) || string.IsNullOrEmpty(doc.ApiVersion) || doc.Json is null) return null;
        var resource = new MeshResource(new ResourceKey(doc.Group ?? "", doc.Kind, doc.Namespace ?? "", doc.Name), doc.ApiVersion, doc.Json);
        if (resource.Key.ToString() != key) return null;
        try
        {
            using var parsed = System.Text.Json.JsonDocument.Parse(doc.Json);
            return parsed.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object ? resource : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Decodes a service, or null when the document is not usable.</summary>
    public static MeshService? Decode(CachedService? doc)
    {
        if (doc is null || string.IsNullOrEmpty(doc.Name) || string.IsNullOrEmpty(doc.Namespace)) return null;
        if (!TryAddresses(doc.ClusterIps, out var ips) || !TryAddresses(doc.ExternalIps, out var externalIps)) return null;

        var ports = new List<ServicePort>();
        foreach (var p in doc.Ports ?? [])
        {
            if (!TryProtocol(p.Protocol, out var protocol)) return null;
            ports.Add(new ServicePort(p.Name ?? "", p.Port, protocol, p.TargetPort, p.TargetPortName, p.NodePort));
        }

        var affinity = string.Equals(doc.Affinity, nameof(SessionAffinity.ClientIP), StringComparison.OrdinalIgnoreCase)
            ? SessionAffinity.ClientIP
            : SessionAffinity.None;
        var external = string.Equals(doc.ExternalTraffic, nameof(ExternalTrafficPolicy.Local), StringComparison.OrdinalIgnoreCase)
            ? ExternalTrafficPolicy.Local
            : ExternalTrafficPolicy.Cluster;
        return new MeshService(new ServiceKey(doc.Namespace, doc.Name), ips, ports, doc.Headless, affinity,
            doc.AffinityTimeoutSeconds, doc.LoadBalancer, doc.Labels, externalIps.Count == 0 ? null : externalIps, external,
            doc.HealthCheckNodePort is int hc and >= 1 and <= 65535 ? hc : null);
    }

    private static bool TryAddresses(IReadOnlyList<string>? raw, out List<IPAddress> addresses)
    {
        addresses = [];
        foreach (var text in raw ?? [])
        {
            if (!IPAddress.TryParse(text, out var ip)) return false;
            addresses.Add(ip);
        }
        return true;
    }

    /// <summary>Decodes endpoints, or null when the document is not usable.</summary>
    public static ServiceEndpoints? Decode(CachedEndpoints? doc)
    {
        if (doc is null || string.IsNullOrEmpty(doc.Name) || string.IsNullOrEmpty(doc.Namespace)) return null;
        var list = new List<MeshEndpoint>();
        foreach (var e in doc.Endpoints ?? [])
        {
            if (!IPAddress.TryParse(e.Address, out var ip)) return null;
            var ports = new List<EndpointPort>();
            foreach (var p in e.Ports ?? [])
            {
                if (!TryProtocol(p.Protocol, out var protocol)) return null;
                ports.Add(new EndpointPort(p.Name ?? "", p.Port, protocol));
            }

            list.Add(new MeshEndpoint(ip, e.NodeName, e.Ready, ports, e.Hostname));
        }

        return new ServiceEndpoints(new ServiceKey(doc.Namespace, doc.Name), list);
    }

    /// <summary>Decodes a node, or null when the document is not usable.</summary>
    public static MeshNode? Decode(CachedNode? doc)
    {
        if (doc is null || string.IsNullOrEmpty(doc.Name)) return null;
        if (!TryAddresses(doc.Addresses, out var addresses)) return null;
        return new MeshNode(doc.Name, (doc.PodCidrs ?? []).ToList(), addresses, doc.Labels, Decode(doc.Agent));
    }

    /// <summary>
    /// Decodes an agent binding, or null when there is none or it no longer parses: the node is
    /// still served, as it would be by a Node whose annotations cannot be read.
    /// </summary>
    public static NodeAgent? Decode(CachedAgent? doc)
    {
        if (doc is null || !PeerId.TryParse(doc.PeerId, out var peer)) return null;
        var addresses = new List<Multiaddr>();
        foreach (var raw in doc.Addresses ?? [])
        {
            if (!Multiaddr.TryParse(raw, out var address)) return null;
            addresses.Add(address!);
        }

        return new NodeAgent(peer!, addresses, doc.OffersRelay);
    }

    // Sorted so that equal objects always encode to equal JSON (used to detect real changes).
    private static Dictionary<string, string>? SortedLabels(IReadOnlyDictionary<string, string>? labels) =>
        labels?.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    private static bool TryProtocol(string? raw, out TransportProtocol protocol) =>
        Enum.TryParse(raw, ignoreCase: true, out protocol) && Enum.IsDefined(protocol);
}
