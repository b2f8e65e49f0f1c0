namespace PluginMesh.Plugins.Dns.Mdns.Zone;

/// <summary>
/// Turns a catalog snapshot into a <see cref="ZoneIndex"/>, following the Kubernetes DNS
/// specification (cluster IP, headless, SRV and PTR records).
/// </summary>
internal static class ZoneBuilder
{
    /// <summary>
    /// Largest encoded record set. A set must fit one TCP message together with the header, the
    /// question (≤ 259 bytes), the SOA and an OPT; a headless service with thousands of endpoints is
    /// cut here rather than producing an answer no client can receive.
    /// </summary>
    public const int MaxSetBytes = DnsLimits.MaxMessageLength - 1024;

    /// <summary>Builds the index for <paramref name="snapshot"/>.</summary>
    public static ZoneIndex Build(CatalogSnapshot snapshot, string domain, uint ttl)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var domainWire = DnsNames.ToWire(domain) ?? throw new ArgumentException($"invalid cluster domain '{domain}'", nameof(domain));
        var names = new Dictionary<string, ZoneNodeDraft>(StringComparer.Ordinal);

        ZoneNodeDraft Node(string name, bool inDomain = true)
        {
            if (!names.TryGetValue(name, out var draft))
            {
                draft = new ZoneNodeDraft(inDomain);
                names[name] = draft;
            }
            return draft;
        }

        Node(domain).HasSoa = true;
        foreach (var service in snapshot.Services.Values.OrderBy(s => s.Key.Namespace, StringComparer.Ordinal).ThenBy(s => s.Key.Name, StringComparer.Ordinal))
        {
            var baseName = $"{service.Key.Name}.{service.Key.Namespace}.svc.{domain}".ToLowerInvariant();
            if (!DnsNames.IsValidHostName(baseName)) continue; // not representable in DNS; Kubernetes names always are
            var headless = service.Headless || service.ClusterIps.Count == 0;
            var serviceNode = Node(baseName);
            var ready = headless && snapshot.Endpoints.TryGetValue(service.Key, out var eps)
                ? eps.Endpoints.Where(e => e.Ready).ToList()
                : [];

            if (!headless)
            {
                foreach (var ip in service.ClusterIps)
                {
                    serviceNode.Addresses.Add(ip);
                    Node(DnsNames.ReverseName(ip), inDomain: false).Ptr.Add(baseName);
                }
            }
            else
            {
                foreach (var endpoint in ready)
                {
                    if (!serviceNode.Addresses.Contains(endpoint.Address)) serviceNode.Addresses.Add(endpoint.Address);
                    var endpointName = EndpointName(endpoint, baseName);
                    if (endpointName is null) continue;
                    var endpointNode = Node(endpointName);
                    if (!endpointNode.Addresses.Contains(endpoint.Address)) endpointNode.Addresses.Add(endpoint.Address);
                    Node(DnsNames.ReverseName(endpoint.Address), inDomain: false).Ptr.Add(endpointName);
                }
            }

            foreach (var port in service.Ports)
            {
                if (string.IsNullOrEmpty(port.Name)) continue;
                var proto = port.Protocol == TransportProtocol.Udp ? "udp" : "tcp";
                var srvName = $"_{port.Name.ToLowerInvariant()}._{proto}.{baseName}";
                if (DnsNames.ToWire(srvName) is null) continue;
                var srvNode = Node(srvName);
                if (!headless)
                {
                    srvNode.Srv.Add(new SrvDraft(100, (ushort)port.Port, baseName));
                    continue;
                }
                var weight = (ushort)Math.Max(1, 100 / Math.Max(1, ready.Count));
                foreach (var endpoint in ready)
                {
                    var target = EndpointName(endpoint, baseName);
                    if (target is null) continue;
                    var endpointPort = endpoint.Ports.FirstOrDefault(p => p.Protocol == port.Protocol && string.Equals(p.Name, port.Name, StringComparison.Ordinal));
                    var number = endpointPort?.Port ?? (port.TargetPort != 0 ? port.TargetPort : port.Port);
                    srvNode.Srv.Add(new SrvDraft(weight, (ushort)number, target));
                }
            }
        }

        AddEmptyNonTerminals(names, domain);

        var nodes = new Dictionary<byte[], ZoneNode>(names.Count, WireNameComparer.Instance);
        var soa = BuildSoa(domainWire, domain, ttl, snapshot.Version);
        foreach (var (name, draft) in names)
        {
            var wire = DnsNames.ToWire(name);
            if (wire is null) continue;
            nodes[wire] = draft.Encode(ttl, soa, domainWire.Length);
        }
        return new ZoneIndex(domain, domainWire, snapshot.Version, nodes, soa);
    }

    /// <summary>Hostname label when the endpoint has one, otherwise the dashed address as CoreDNS does.</summary>
    private static string? EndpointName(MeshEndpoint endpoint, string baseName)
    {
        var label = string.IsNullOrEmpty(endpoint.Hostname) ? DnsNames.DashedAddress(endpoint.Address) : endpoint.Hostname.ToLowerInvariant();
        var name = $"{label}.{baseName}";
        return DnsNames.IsValidHostName(name) ? name : null;
    }

    /// <summary>
    /// Ancestors inside the domain exist even without records (<c>ns.svc.cluster.local</c>): they must
    /// answer NODATA, not NXDOMAIN, or resolvers would prune whole subtrees (RFC 8020).
    /// </summary>
    private static void AddEmptyNonTerminals(Dictionary<string, ZoneNodeDraft> names, string domain)
    {
        foreach (var name in names.Where(n => n.Value.InDomain).Select(n => n.Key).ToList())
        {
            var current = name;
            while (current.Length > domain.Length)
            {
                var dot = current.IndexOf('.', StringComparison.Ordinal);
                if (dot < 0) break;
                current = current[(dot + 1)..];
                if (!names.ContainsKey(current)) names[current] = new ZoneNodeDraft(inDomain: true);
            }
        }
    }

    private static byte[] BuildSoa(byte[] domainWire, string domain, uint ttl, long version)
    {
        var mname = DnsNames.ToWire("ns.dns." + domain) ?? DnsNames.ToWire(domain)!;
        var rname = DnsNames.ToWire("hostmaster." + domain) ?? DnsNames.ToWire(domain)!;
        var rdLength = mname.Length + rname.Length + 20;
        var buffer = new byte[domainWire.Length + 10 + rdLength];
        var writer = new DnsWriter(buffer);
        writer.WriteRecordHeader(domainWire, DnsType.Soa, ttl, (ushort)rdLength);
        writer.WriteBytes(mname);
        writer.WriteBytes(rname);
        writer.WriteUInt32((uint)version);
        writer.WriteUInt32(7200);
        writer.WriteUInt32(1800);
        writer.WriteUInt32(86400);
        writer.WriteUInt32(ttl); // negative-caching TTL (RFC 2308 §4) follows the configured TTL
        return buffer;
    }
}
