namespace PluginMesh.Plugins.Proxy.Socks5.Socks;

/// <summary>
/// Which node a SOCKS request is for. A domain name is a node name (a trailing dot is dropped; an IP
/// literal written as a name counts as that address). An IPv4 or IPv6 address is the node whose
/// catalog addresses (its InternalIP, …) hold it; no node holding it is a refusal: the proxy reaches
/// nodes, not arbitrary hosts.
/// </summary>
/// <remarks>Thread-safe; reads the catalog snapshot of the moment.</remarks>
internal sealed class TargetResolver(string nodeName, IServiceCatalog? catalog)
{
    /// <summary>The node and the address on it (null: the node itself), or the reply code and reason to refuse with.</summary>
    public (string? Node, IPAddress? Address, Socks5Reply Refusal, string Reason) Resolve(Socks5Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var address = request.Address;
        if (request.Host is { } host)
        {
            if (!IPAddress.TryParse(host, out address))
            {
                var name = host.EndsWith('.') ? host[..^1] : host;
                if (!IsNodeName(name)) return (null, null, Socks5Reply.HostUnreachable, $"'{host}' is not a node name");
                return (name, null, Socks5Reply.Succeeded, "");
            }
        }
        if (address!.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var node in catalog?.Current.Nodes.Values ?? [])
        {
            if (node.Addresses.Contains(address)) return (node.Name, address, Socks5Reply.Succeeded, "");
        }
        return (null, null, Socks5Reply.NotAllowed, $"no node in the catalog has the address {address}");
    }

    /// <summary>True when <paramref name="node"/> is this agent's node.</summary>
    public bool IsSelf(string node) => string.Equals(node, nodeName, StringComparison.OrdinalIgnoreCase);

    /// <summary>A DNS-1123 subdomain, as Kubernetes node names are.</summary>
    private static bool IsNodeName(string name)
    {
        if (name.Length is 0 or > 253) return false;
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '.' or '_')) return false;
        }
        return true;
    }
}
