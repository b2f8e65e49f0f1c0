namespace PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

/// <summary>Turns a discovery.k8s.io/v1 EndpointSlice into the endpoints it contributes to its service.</summary>
internal static class EndpointSliceMapper
{
    /// <summary>The label linking a slice to its service.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    /// <summary>
    /// Maps <paramref name="slice"/> to (service key, endpoints). Endpoints with unparseable
    /// addresses are dropped and reported through <paramref name="warnings"/>; the rest are kept.
    /// </summary>
    public static (ServiceKey Service, List<MeshEndpoint> Endpoints)? Map(V1EndpointSlice slice, List<string> warnings, out string? skip)
    {
        skip = null;
        var meta = slice.Metadata;
        if (meta?.Name is null || meta.Labels is null || !meta.Labels.TryGetValue(ServiceNameLabel, out var serviceName) || string.IsNullOrEmpty(serviceName))
        {
            skip = $"no {ServiceNameLabel} label";
            return null;
        }

        if (slice.AddressType is not ("IPv4" or "IPv6"))
        {
            skip = $"address type {slice.AddressType} is not an IP family";
            return null;
        }

        var ports = new List<EndpointPort>();
        foreach (var p in slice.Ports ?? [])
        {
            if (p.Port is null || !ProtocolMapper.TryMap(p.Protocol, out var protocol)) continue;
            ports.Add(new EndpointPort(p.Name ?? "", p.Port.Value, protocol));
        }

        var endpoints = new List<MeshEndpoint>();
        foreach (var e in slice.Endpoints ?? [])
        {
            // Kubernetes: a nil ready condition means ready (unknown state is treated as ready).
            var ready = e.Conditions?.Ready ?? true;
            foreach (var text in e.Addresses ?? [])
            {
                if (!AddressParser.TryParse(text, out var ip))
                {
                    warnings.Add($"malformed endpoint address '{text}'");
                    continue;
                }

                endpoints.Add(new MeshEndpoint(ip, e.NodeName, ready, ports, e.Hostname));
            }
        }

        return (new ServiceKey(meta.NamespaceProperty ?? "default", serviceName), endpoints);
    }
}
