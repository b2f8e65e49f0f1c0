namespace PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

/// <summary>
/// Reads the parts of an Istio <c>networking.istio.io</c> DestinationRule the catalog uses —
/// <c>spec.host</c> and <c>spec.trafficPolicy.loadBalancer</c> — straight from the JSON (no model
/// type: KubernetesClient has none for Istio), tolerating anything it does not use.
/// </summary>
internal static class DestinationRuleMapper
{
    /// <summary>The policy name given for <c>loadBalancer.consistentHash</c> (the proxy hashes the source IP).</summary>
    public const string ConsistentHash = "consistentHash";

    /// <summary>
    /// Maps <paramref name="obj"/>. Returns null with <paramref name="skip"/> set when the object is
    /// not a usable rule (no spec or host, a wildcard host or one outside the cluster, a rule scoped
    /// to selected workloads, a <c>trafficPolicy</c> of the wrong shape). Problems that do not stop
    /// the rule (ignored port-level settings, a hash key an L4 proxy cannot use) go to <paramref name="notices"/>.
    /// </summary>
    public static DestinationRule? Map(JsonElement obj, List<RuleNotice> notices, out string? skip)
    {
        skip = null;
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty("metadata", out var meta) || meta.ValueKind != JsonValueKind.Object ||
            String(meta, "name") is not { Length: > 0 } name)
        {
            skip = "no metadata.name";
            return null;
        }

        var ns = String(meta, "namespace") is { Length: > 0 } n ? n : "default";
        if (!obj.TryGetProperty("spec", out var spec) || spec.ValueKind != JsonValueKind.Object)
        {
            skip = "spec is missing or not an object";
            return null;
        }

        if (String(spec, "host") is not { } rawHost || rawHost.Trim().Length == 0)
        {
            skip = "no spec.host";
            return null;
        }

        if (!TryResolveHost(rawHost, ns, out var target, out var hostProblem))
        {
            skip = hostProblem;
            return null;
        }

        if (spec.TryGetProperty("workloadSelector", out var selector) && selector.ValueKind == JsonValueKind.Object)
        {
            // Such a rule applies only to the selected client workloads; this node-wide proxy serves them all.
            skip = "workloadSelector: the rule applies to selected workloads only";
            return null;
        }

        var created = DateTimeOffset.MaxValue;
        if (String(meta, "creationTimestamp") is { } stamp &&
            DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            created = parsed;
        }

        var hasPolicy = false;
        string? loadBalancer = null;
        if (spec.TryGetProperty("trafficPolicy", out var policy) && policy.ValueKind != JsonValueKind.Null)
        {
            if (policy.ValueKind != JsonValueKind.Object)
            {
                skip = "spec.trafficPolicy is not an object";
                return null;
            }

            hasPolicy = true;
            if (policy.TryGetProperty("portLevelSettings", out var ports) && ports.ValueKind == JsonValueKind.Array && ports.GetArrayLength() > 0)
            {
                notices.Add(new RuleNotice("port-level",
                    $"trafficPolicy.portLevelSettings ({ports.GetArrayLength()} ports) ignored: the service-wide loadBalancer applies to every port"));
            }

            if (!TryLoadBalancer(policy, notices, out loadBalancer, out var problem))
            {
                skip = problem;
                return null;
            }
        }

        return new DestinationRule(ns + "/" + name, ns, name, created, rawHost, target!, hasPolicy, loadBalancer);
    }

    /// <summary>
    /// Resolves <c>spec.host</c> to a Service: <c>reviews</c> (the rule's namespace),
    /// <c>reviews.demo</c>, <c>reviews.demo.svc</c> or <c>reviews.demo.svc.&lt;cluster domain&gt;</c>
    /// (any domain after <c>svc.</c>: the plugin does not know the cluster's). Wildcards, IP addresses
    /// and other names (outside the cluster) are refused with the reason.
    /// </summary>
    public static bool TryResolveHost(string host, string ruleNamespace, out ServiceKey? target, out string? problem) =>
        ServiceHostName.TryResolve(host, ruleNamespace, clusterDomain: null, out target, out problem);

    // trafficPolicy.loadBalancer: `simple` passes through by name (the proxy maps Istio's names and
    // warns about those it lacks); `consistentHash` becomes consistent hashing on the source IP.
    private static bool TryLoadBalancer(JsonElement policy, List<RuleNotice> notices, out string? name, out string? problem)
    {
        name = null;
        problem = null;
        if (!policy.TryGetProperty("loadBalancer", out var lb) || lb.ValueKind == JsonValueKind.Null) return true;
        if (lb.ValueKind != JsonValueKind.Object)
        {
            problem = "spec.trafficPolicy.loadBalancer is not an object";
            return false;
        }

        var hasSimple = lb.TryGetProperty("simple", out var simple) && simple.ValueKind != JsonValueKind.Null;
        var hasHash = lb.TryGetProperty("consistentHash", out var hash) && hash.ValueKind != JsonValueKind.Null;
        if (hasSimple && simple.ValueKind != JsonValueKind.String)
        {
            problem = "spec.trafficPolicy.loadBalancer.simple is not a string";
            return false;
        }

        if (hasHash && hash.ValueKind != JsonValueKind.Object)
        {
            problem = "spec.trafficPolicy.loadBalancer.consistentHash is not an object";
            return false;
        }

        if (hasSimple)
        {
            if (hasHash) notices.Add(new RuleNotice("simple-and-hash", "loadBalancer sets both simple and consistentHash; using simple"));
            var value = simple.GetString()!.Trim();
            // UNSPECIFIED is the enum's zero value, "not set": the service's own choice stays.
            name = value.Length == 0 || string.Equals(value, "UNSPECIFIED", StringComparison.OrdinalIgnoreCase) ? null : value;
            return true;
        }

        if (hasHash)
        {
            name = ConsistentHash;
            if (!(hash.TryGetProperty("useSourceIp", out var sourceIp) && sourceIp.ValueKind == JsonValueKind.True))
            {
                notices.Add(new RuleNotice("hash-key",
                    $"consistentHash on {HashKey(hash)} cannot apply to an L4 proxy; hashing the source IP instead"));
            }
        }

        // Neither (only localityLbSetting, warmupDurationSecs, …): no policy name from this rule.
        return true;
    }

    private static string HashKey(JsonElement hash)
    {
        if (String(hash, "httpHeaderName") is { } header) return $"HTTP header '{header}'";
        if (hash.TryGetProperty("httpCookie", out var cookie) && cookie.ValueKind == JsonValueKind.Object)
            return String(cookie, "name") is { } c ? $"HTTP cookie '{c}'" : "an HTTP cookie";
        if (String(hash, "httpQueryParameterName") is { } query) return $"query parameter '{query}'";
        return "no hash key";
    }

    private static string? String(JsonElement obj, string property) =>
        obj.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
