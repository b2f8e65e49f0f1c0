using System.Text.Json.Nodes;

namespace PluginMesh.Demo.FakeApi;

/// <summary>Builders for the JSON of the objects the fake serves, shaped as the real API returns them.</summary>
public static class FakeObjects
{
    /// <summary>A ClusterIP (or headless, with clusterIP "None") Service.</summary>
    public static JsonObject Service(string ns, string name, string clusterIp, IEnumerable<(string Name, int Port, int TargetPort, string Protocol)>? ports = null,
        IReadOnlyDictionary<string, string>? labels = null, string type = "ClusterIP", IReadOnlyDictionary<string, string>? annotations = null)
    {
        var spec = new JsonObject
        {
            ["type"] = type,
            ["clusterIP"] = clusterIp,
            ["clusterIPs"] = new JsonArray(clusterIp),
            ["ports"] = new JsonArray((ports ?? [("http", 80, 8080, "TCP")]).Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name,
                ["port"] = p.Port,
                ["targetPort"] = p.TargetPort,
                ["protocol"] = p.Protocol,
            }).ToArray()),
            ["sessionAffinity"] = "None",
        };
        var meta = Metadata(ns, name, labels);
        if (annotations is not null) meta["annotations"] = new JsonObject(annotations.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value)));
        return new JsonObject
        {
            ["kind"] = "Service",
            ["apiVersion"] = "v1",
            ["metadata"] = meta,
            ["spec"] = spec,
        };
    }

    /// <summary>
    /// An Istio DestinationRule for <paramref name="host"/> with <paramref name="trafficPolicy"/> (none
    /// when null), created at <paramref name="created"/> (the API server's creationTimestamp, whole seconds).
    /// </summary>
    public static JsonObject DestinationRule(string ns, string name, string host, JsonObject? trafficPolicy, DateTimeOffset? created = null)
    {
        var meta = Metadata(ns, name, null);
        meta["creationTimestamp"] = (created ?? new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        meta["generation"] = 1;
        var spec = new JsonObject { ["host"] = host };
        if (trafficPolicy is not null) spec["trafficPolicy"] = trafficPolicy;
        return new JsonObject
        {
            ["kind"] = "DestinationRule",
            ["apiVersion"] = "networking.istio.io/v1",
            ["metadata"] = meta,
            ["spec"] = spec,
        };
    }

    /// <summary><c>trafficPolicy</c> with <c>loadBalancer.simple</c> = <paramref name="simple"/>.</summary>
    public static JsonObject SimpleLoadBalancer(string simple) => new()
    {
        ["loadBalancer"] = new JsonObject { ["simple"] = simple },
    };

    /// <summary><c>trafficPolicy</c> with <c>loadBalancer.consistentHash</c> = <paramref name="hash"/>.</summary>
    public static JsonObject ConsistentHashLoadBalancer(JsonObject hash) => new()
    {
        ["loadBalancer"] = new JsonObject { ["consistentHash"] = hash },
    };

    /// <summary>
    /// A custom resource (or any namespaced object) <paramref name="kind"/> at <paramref name="apiVersion"/>
    /// with <paramref name="spec"/>, e.g. an Istio <c>Gateway</c> at <c>networking.istio.io/v1</c>.
    /// </summary>
    public static JsonObject CustomResource(string apiVersion, string kind, string ns, string name, JsonObject spec, IReadOnlyDictionary<string, string>? labels = null)
    {
        var meta = Metadata(ns, name, labels);
        meta["generation"] = 1;
        return new JsonObject
        {
            ["kind"] = kind,
            ["apiVersion"] = apiVersion,
            ["metadata"] = meta,
            ["spec"] = spec,
        };
    }

    /// <summary>
    /// A core/v1 Secret of <paramref name="type"/> (<c>kubernetes.io/tls</c>, <c>Opaque</c>) whose <c>data</c>
    /// holds <paramref name="data"/> base64-encoded, as the API serves it.
    /// </summary>
    public static JsonObject Secret(string ns, string name, string type, IReadOnlyDictionary<string, byte[]> data) => new()
    {
        ["kind"] = "Secret",
        ["apiVersion"] = "v1",
        ["metadata"] = Metadata(ns, name, null),
        ["type"] = type,
        ["data"] = new JsonObject((data ?? throw new ArgumentNullException(nameof(data)))
            .Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, Convert.ToBase64String(kv.Value)))),
    };

    /// <summary>A <c>kubernetes.io/tls</c> Secret with <c>tls.crt</c> and <c>tls.key</c> (PEM text), and <c>ca.crt</c> when given.</summary>
    public static JsonObject TlsSecret(string ns, string name, string certificatePem, string keyPem, string? caPem = null)
    {
        var data = new Dictionary<string, byte[]>
        {
            ["tls.crt"] = System.Text.Encoding.UTF8.GetBytes(certificatePem),
            ["tls.key"] = System.Text.Encoding.UTF8.GetBytes(keyPem),
        };
        if (caPem is not null) data["ca.crt"] = System.Text.Encoding.UTF8.GetBytes(caPem);
        return Secret(ns, name, "kubernetes.io/tls", data);
    }

    /// <summary>An ExternalName Service (a DNS CNAME; nothing for the mesh to proxy).</summary>
    public static JsonObject ExternalNameService(string ns, string name, string externalName) => new()
    {
        ["kind"] = "Service",
        ["apiVersion"] = "v1",
        ["metadata"] = Metadata(ns, name, null),
        ["spec"] = new JsonObject { ["type"] = "ExternalName", ["externalName"] = externalName },
    };

    /// <summary>An EndpointSlice of <paramref name="service"/> with one port (named like the service port, TCP unless <paramref name="protocol"/> says otherwise).</summary>
    public static JsonObject EndpointSlice(string ns, string name, string service, IEnumerable<(string Ip, string Node, bool Ready)> endpoints,
        string portName = "http", int port = 8080, string addressType = "IPv4", string protocol = "TCP") => new()
    {
        ["kind"] = "EndpointSlice",
        ["apiVersion"] = "discovery.k8s.io/v1",
        ["metadata"] = Metadata(ns, name, new Dictionary<string, string> { ["kubernetes.io/service-name"] = service }),
        ["addressType"] = addressType,
        ["endpoints"] = new JsonArray(endpoints.Select(e => (JsonNode)new JsonObject
        {
            ["addresses"] = new JsonArray(e.Ip),
            ["conditions"] = new JsonObject { ["ready"] = e.Ready },
            ["nodeName"] = e.Node,
        }).ToArray()),
        ["ports"] = new JsonArray(new JsonObject { ["name"] = portName, ["port"] = port, ["protocol"] = protocol }),
    };

    /// <summary>A core/v1 Endpoints object (ready addresses only).</summary>
    public static JsonObject Endpoints(string ns, string name, IEnumerable<(string Ip, string Node)> addresses, string portName = "http", int port = 8080) => new()
    {
        ["kind"] = "Endpoints",
        ["apiVersion"] = "v1",
        ["metadata"] = Metadata(ns, name, null),
        ["subsets"] = new JsonArray(new JsonObject
        {
            ["addresses"] = new JsonArray(addresses.Select(a => (JsonNode)new JsonObject { ["ip"] = a.Ip, ["nodeName"] = a.Node }).ToArray()),
            ["ports"] = new JsonArray(new JsonObject { ["name"] = portName, ["port"] = port, ["protocol"] = "TCP" }),
        }),
    };

    /// <summary>A Node with one pod CIDR, an InternalIP, an ExternalIP when given, and <paramref name="annotations"/> when given.</summary>
    public static JsonObject Node(string name, string podCidr, string internalIp, IReadOnlyDictionary<string, string>? annotations = null, string? externalIp = null)
    {
        var meta = Metadata(null, name, new Dictionary<string, string> { ["kubernetes.io/hostname"] = name });
        if (annotations is not null) meta["annotations"] = new JsonObject(annotations.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value)));
        var addresses = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = internalIp });
        if (externalIp is not null) addresses.Add(new JsonObject { ["type"] = "ExternalIP", ["address"] = externalIp });
        addresses.Add(new JsonObject { ["type"] = "Hostname", ["address"] = name });
        return new JsonObject
        {
            ["kind"] = "Node",
            ["apiVersion"] = "v1",
            ["metadata"] = meta,
            ["spec"] = new JsonObject { ["podCIDR"] = podCidr, ["podCIDRs"] = new JsonArray(podCidr) },
            ["status"] = new JsonObject { ["addresses"] = addresses },
        };
    }

    private static JsonObject Metadata(string? ns, string name, IReadOnlyDictionary<string, string>? labels)
    {
        var meta = new JsonObject { ["name"] = name, ["uid"] = Guid.NewGuid().ToString() };
        if (ns is not null) meta["namespace"] = ns;
        if (labels is not null) meta["labels"] = new JsonObject(labels.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value)));
        return meta;
    }
}
