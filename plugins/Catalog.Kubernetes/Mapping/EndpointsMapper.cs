namespace PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

/// <summary>Turns a core/v1 Endpoints object (the fallback where EndpointSlices are not served) into endpoints.</summary>
internal static class EndpointsMapper
{
    public static (ServiceKey Service, List<MeshEndpoint> Endpoints)? Map(V1Endpoints endpoints, List<string> warnings, out string? skip)
    {
        skip = null;
        var meta = endpoints.Metadata;
        if (meta?.Name is null)
        {
            skip = "no metadata.name";
            return null;
        }

        // One address may appear in several subsets with different ports; merge them so each
        // backend is listed once with all its ports.
        var byAddress = new Dictionary<IPAddress, MeshEndpoint>();
        var order = new List<IPAddress>();
        foreach (var subset in endpoints.Subsets ?? [])
        {
            var ports = new List<EndpointPort>();
            foreach (var p in subset.Ports ?? [])
            {
                if (ProtocolMapper.TryMap(p.Protocol, out var protocol)) ports.Add(new EndpointPort(p.Name ?? "", p.Port, protocol));
            }

            Add(subset.Addresses, ready: true);
            Add(subset.NotReadyAddresses, ready: false);

            void Add(IList<V1EndpointAddress>? addresses, bool ready)
            {
                foreach (var a in addresses ?? [])
                {
                    if (!AddressParser.TryParse(a.Ip, out var ip))
                    {
                        warnings.Add($"malformed endpoint address '{a.Ip}'");
                        continue;
                    }

                    if (byAddress.TryGetValue(ip, out var existing))
                    {
                        byAddress[ip] = existing with { Ports = [.. existing.Ports, .. ports], Ready = existing.Ready && ready };
                    }
                    else
                    {
                        byAddress[ip] = new MeshEndpoint(ip, a.NodeName, ready, ports, a.Hostname);
                        order.Add(ip);
                    }
                }
            }
        }

        return (new ServiceKey(meta.NamespaceProperty ?? "default", meta.Name), order.Select(ip => byAddress[ip]).ToList());
    }
}
