namespace PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

/// <summary>Turns a Kubernetes Service into a <see cref="MeshService"/>, or says why it is skipped.</summary>
internal static class ServiceMapper
{
    /// <summary>Annotation naming the load-balancing policy for the proxy (absent = node default).</summary>
    public const string LoadBalancerAnnotation = "pluginmesh.io/load-balancer";

    /// <summary>
    /// Maps <paramref name="service"/>. Returns null with <paramref name="skip"/> set for services
    /// the mesh does not serve: ExternalName (DNS CNAMEs, no endpoints), those meant for another
    /// proxy by the label filter, and those with addresses that do not parse.
    /// </summary>
    public static MeshService? Map(V1Service service, string proxyNameLabel, string proxyName, out string? skip)
    {
        skip = null;
        var meta = service.Metadata;
        var spec = service.Spec;
        if (meta?.Name is null || spec is null)
        {
            skip = "no metadata.name or spec";
            return null;
        }

        var key = new ServiceKey(meta.NamespaceProperty ?? "default", meta.Name);
        var labels = meta.Labels is null ? null : new Dictionary<string, string>(meta.Labels, StringComparer.Ordinal);
        if (labels is not null && labels.TryGetValue(proxyNameLabel, out var owner) && owner != proxyName)
        {
            skip = $"label {proxyNameLabel}={owner} names another proxy";
            return null;
        }

        if (string.Equals(spec.Type, "ExternalName", StringComparison.Ordinal))
        {
            skip = "ExternalName service";
            return null;
        }

        var raw = spec.ClusterIPs is { Count: > 0 } ? spec.ClusterIPs : spec.ClusterIP is null ? [] : [spec.ClusterIP];
        var headless = raw.Count > 0 && raw.All(ip => ip == "None");
        var ips = new List<IPAddress>();
        if (!headless)
        {
            foreach (var text in raw)
            {
                if (!TryParseAddress(text, out var ip))
                {
                    skip = $"malformed cluster IP '{text}'";
                    return null;
                }

                ips.Add(ip);
            }

            if (ips.Count == 0)
            {
                skip = "no cluster IP allocated yet";
                return null;
            }
        }

        var ports = new List<ServicePort>();
        foreach (var p in spec.Ports ?? [])
        {
            if (!ProtocolMapper.TryMap(p.Protocol, out var protocol))
            {
                skip = $"port {p.Port}/{p.Protocol} is not TCP or UDP";
                continue; // the other ports of the service still work
            }

            var targetText = p.TargetPort?.Value;
            var targetPort = p.Port;
            string? targetName = null;
            if (!string.IsNullOrEmpty(targetText))
            {
                if (int.TryParse(targetText, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n)) targetPort = n;
                else
                {
                    targetPort = 0;
                    targetName = targetText;
                }
            }

            ports.Add(new ServicePort(p.Name ?? "", p.Port, protocol, targetPort, targetName, p.NodePort));
        }

        var affinity = string.Equals(spec.SessionAffinity, "ClientIP", StringComparison.Ordinal) ? SessionAffinity.ClientIP : SessionAffinity.None;
        var timeout = spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds ?? 10800;
        string? loadBalancer = null;
        meta.Annotations?.TryGetValue(LoadBalancerAnnotation, out loadBalancer);
        var externalIps = new List<IPAddress>();
        foreach (var text in spec.ExternalIPs ?? [])
        {
            if (TryParseAddress(text, out var ip)) externalIps.Add(ip);
            else skip = $"malformed external IP '{text}'"; // the service and its other addresses still work
        }
        var external = string.Equals(spec.ExternalTrafficPolicy, "Local", StringComparison.Ordinal) ? ExternalTrafficPolicy.Local : ExternalTrafficPolicy.Cluster;
        // Only meaningful with Local (the API allocates it for LoadBalancer services with that policy).
        var healthCheck = external == ExternalTrafficPolicy.Local && spec.HealthCheckNodePort is int hc and >= 1 and <= 65535 ? hc : (int?)null;
        return new MeshService(key, ips, ports, headless, affinity, timeout, string.IsNullOrEmpty(loadBalancer) ? null : loadBalancer, labels,
            externalIps.Count == 0 ? null : externalIps, external, healthCheck);
    }

    // IPAddress.TryParse accepts "10.1" as 10.0.0.1; Kubernetes never writes that, so it is a typo.
    private static bool TryParseAddress(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? ip) =>
        IPAddress.TryParse(text, out ip) && (ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || text.Count(c => c == '.') == 3);
}
