namespace PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

/// <summary>
/// Turns a Kubernetes Node into a <see cref="MeshNode"/>: pod CIDRs, InternalIP/ExternalIP, labels,
/// and the binding its agent published in <c>pluginmesh.io/*</c> annotations (<see cref="AgentAnnotations"/>).
/// A bad CIDR, address or annotation is dropped with a warning; the rest of the Node stays.
/// </summary>
internal static class NodeMapper
{
    public static MeshNode? Map(V1Node node, List<string> warnings, out string? skip)
    {
        skip = null;
        if (node.Metadata?.Name is null)
        {
            skip = "no metadata.name";
            return null;
        }

        var cidrs = new List<string>();
        var rawCidrs = node.Spec?.PodCIDRs is { Count: > 0 } list ? list : node.Spec?.PodCIDR is { } one ? [one] : [];
        foreach (var text in rawCidrs)
        {
            if (IPNetwork.TryParse(text, out var network)) cidrs.Add(network.ToString());
            else warnings.Add($"node {node.Metadata.Name}: malformed pod CIDR '{text}'");
        }

        var addresses = new List<IPAddress>();
        foreach (var a in node.Status?.Addresses ?? [])
        {
            // Hostname/DNS entries are names, not addresses the proxy can dial.
            if (a.Type is not ("InternalIP" or "ExternalIP")) continue;
            if (AddressParser.TryParse(a.Address, out var ip)) addresses.Add(ip);
            else warnings.Add($"node {node.Metadata.Name}: malformed address '{a.Address}'");
        }

        var labels = node.Metadata.Labels is null ? null : new Dictionary<string, string>(node.Metadata.Labels, StringComparer.Ordinal);
        var agent = AgentAnnotations.Decode(node.Metadata.Annotations is { } annotations ? annotations.AsReadOnly() : null, warnings);
        return new MeshNode(node.Metadata.Name, cidrs, addresses, labels, agent);
    }
}
