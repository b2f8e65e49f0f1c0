using System.Net;
using System.Text.RegularExpressions;
using YamlDotNet.Core;

namespace PluginMesh.Plugins.Catalog.File.Parsing;

/// <summary>
/// Parses the catalog file schema documented in the plugin README. The representation model is
/// used instead of object deserialization because it keeps line and column for every node, so
/// each problem can name <c>file:line</c> and the field.
/// </summary>
public static partial class FileCatalogParser
{
    private const int MaxAffinityTimeoutSeconds = 86400;

    /// <summary>Parses <paramref name="text"/> read from <paramref name="file"/>; never throws for bad input.</summary>
    public static FileCatalogParseResult Parse(string text, string file)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(file);
        var context = new ParseContext(file);

        // An editor that truncates before writing can expose an empty file for a moment; treating
        // that as "no services" would wipe the catalog, so clearing it has to be said explicitly.
        if (string.IsNullOrWhiteSpace(text))
        {
            context.Error(1, 1, "", "file is empty; write 'services: []' to publish an empty catalog");
            return new FileCatalogParseResult(null, context.Problems);
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            context.Error((int)ex.Start.Line, (int)ex.Start.Column, "", "invalid YAML: " + YamlMessage(ex));
            return new FileCatalogParseResult(null, context.Problems);
        }

        if (stream.Documents.Count != 1)
        {
            context.Error(1, 1, "", $"expected one YAML document, found {stream.Documents.Count}");
            return new FileCatalogParseResult(null, context.Problems);
        }

        var root = YamlMap.Open(stream.Documents[0].RootNode, "", context, "services", "nodes", "resources");
        if (root is null) return new FileCatalogParseResult(null, context.Problems);

        var services = new List<MeshService>();
        var endpoints = new List<ServiceEndpoints>();
        var seenServices = new Dictionary<ServiceKey, int>();
        var serviceItems = root.Sequence("services") ?? [];
        for (var i = 0; i < serviceItems.Count; i++)
        {
            var parsed = ParseService(serviceItems[i], $"services[{i}]", context);
            if (parsed is null) continue;
            var (service, serviceEndpoints) = parsed.Value;
            var line = (int)serviceItems[i].Start.Line;
            if (seenServices.TryGetValue(service.Key, out var firstLine))
            {
                context.Error(serviceItems[i], $"services[{i}]", $"duplicate service {service.Key} (first defined on line {firstLine})");
                continue;
            }

            seenServices[service.Key] = line;
            services.Add(service);
            endpoints.Add(serviceEndpoints);
        }

        var nodes = new List<MeshNode>();
        var seenNodes = new Dictionary<string, int>(StringComparer.Ordinal);
        var nodeItems = root.Sequence("nodes") ?? [];
        for (var i = 0; i < nodeItems.Count; i++)
        {
            var node = ParseNode(nodeItems[i], $"nodes[{i}]", context);
            if (node is null) continue;
            if (seenNodes.TryGetValue(node.Name, out var firstLine))
            {
                context.Error(nodeItems[i], $"nodes[{i}]", $"duplicate node {node.Name} (first defined on line {firstLine})");
                continue;
            }

            seenNodes[node.Name] = (int)nodeItems[i].Start.Line;
            nodes.Add(node);
        }

        // Malformed resources are skipped, not fatal: they serve optional plugins, services and nodes must still load.
        var skipped = new ParseContext(file);
        var resources = ResourceParser.Parse(root.Raw("resources"), skipped);

        return context.Problems.Count > 0
            ? new FileCatalogParseResult(null, context.Problems)
            : new FileCatalogParseResult(new FileCatalogState(services, endpoints, nodes) { Resources = resources }, []) { Skipped = skipped.Problems };
    }

    private static (MeshService, ServiceEndpoints)? ParseService(YamlNode item, string path, ParseContext context)
    {
        var map = YamlMap.Open(item, path, context,
            "name", "namespace", "clusterIP", "clusterIPs", "headless", "ports", "sessionAffinity",
            "affinityTimeoutSeconds", "loadBalancer", "labels", "endpoints", "externalIPs", "externalTrafficPolicy", "healthCheckNodePort");
        if (map is null) return null;
        var before = context.Problems.Count;

        var name = map.String("name", required: true);
        if (name is not null && !Dns1035Label().IsMatch(name))
            map.Error("name", $"'{name}' is not a valid service name (lower-case letters, digits and '-', starting with a letter, at most 63 characters)");
        var ns = map.String("namespace") ?? "default";
        if (!Dns1123Label().IsMatch(ns))
            map.Error("namespace", $"'{ns}' is not a valid namespace (lower-case letters, digits and '-', at most 63 characters)");

        var (clusterIps, headless) = ParseClusterIps(map, context);
        var ports = ParsePorts(map, headless, context);

        var affinity = SessionAffinity.None;
        var affinityText = map.String("sessionAffinity");
        if (affinityText is not null && !Enum.TryParse(affinityText, ignoreCase: false, out affinity))
            map.Error("sessionAffinity", $"'{affinityText}' is not None or ClientIP");
        var timeout = map.Int("affinityTimeoutSeconds", 1, MaxAffinityTimeoutSeconds) ?? 10800;

        var loadBalancer = map.String("loadBalancer");
        if (loadBalancer is { Length: 0 }) map.Error("loadBalancer", "must not be empty; omit it to use the node default");
        var labels = map.StringMap("labels");
        var externalIps = ParseIps(map, "externalIPs", context);
        var external = ExternalTrafficPolicy.Cluster;
        var externalText = map.String("externalTrafficPolicy");
        if (externalText is not null && !Enum.TryParse(externalText, ignoreCase: false, out external))
            map.Error("externalTrafficPolicy", $"'{externalText}' is not Cluster or Local");
        var healthCheck = map.Int("healthCheckNodePort", 1, 65535);
        if (healthCheck is not null && external != ExternalTrafficPolicy.Local)
            map.Error("healthCheckNodePort", "needs externalTrafficPolicy: Local (a load balancer asks it whether this node has endpoints of the service)");

        var key = new ServiceKey(ns, name ?? "");
        var endpoints = ParseEndpoints(map, key, ports, context);
        if (context.Problems.Count > before || name is null) return null;

        var service = new MeshService(key, clusterIps, ports, headless, affinity, timeout, loadBalancer, labels,
            externalIps.Count == 0 ? null : externalIps, external, healthCheck);
        return (service, endpoints);
    }

    private static List<IPAddress> ParseIps(YamlMap map, string key, ParseContext context)
    {
        var ips = new List<IPAddress>();
        foreach (var (value, node, path) in map.Strings(key) ?? [])
        {
            if (YamlMap.TryParseIp(value, out var ip)) ips.Add(ip);
            else context.Error(node, path, $"'{value}' is not an IP address");
        }
        return ips;
    }

    private static (IReadOnlyList<IPAddress> Ips, bool Headless) ParseClusterIps(YamlMap map, ParseContext context)
    {
        var headless = map.Bool("headless") ?? false;
        var ips = new List<IPAddress>();
        if (map.Has("clusterIP") && map.Has("clusterIPs"))
        {
            map.Error("clusterIPs", "give either clusterIP or clusterIPs, not both");
            return (ips, headless);
        }

        if (map.String("clusterIP") is { } single)
        {
            // "None" is how Kubernetes spells a headless service; accept it for familiarity.
            if (single == "None") headless = true;
            else if (YamlMap.TryParseIp(single, out var ip)) ips.Add(ip);
            else map.Error("clusterIP", $"'{single}' is not an IP address (or None for a headless service)");
        }

        ips.AddRange(ParseIps(map, "clusterIPs", context));

        if (ips.Count > 2) map.Error("clusterIPs", "at most two cluster IPs (one IPv4, one IPv6)");
        if (ips.Count == 2 && ips[0].AddressFamily == ips[1].AddressFamily)
            map.Error("clusterIPs", "two cluster IPs must be of different families (dual stack)");
        if (headless && ips.Count > 0) map.Error("headless", "a headless service has no cluster IP; remove clusterIP(s) or headless");
        if (!headless && ips.Count == 0 && !map.Has("clusterIP") && !map.Has("clusterIPs"))
            context.Error(map.Node, map.Path, "give clusterIP, clusterIPs or headless: true");
        return (ips, headless);
    }

    private static List<ServicePort> ParsePorts(YamlMap map, bool headless, ParseContext context)
    {
        var ports = new List<ServicePort>();
        var items = map.Sequence("ports");
        if (items is null || items.Count == 0)
        {
            // Kubernetes allows a headless service without ports (DNS only); a ClusterIP needs some.
            if (!headless) map.Error("ports", "a service with a cluster IP needs at least one port");
            return ports;
        }

        var seen = new HashSet<(int, TransportProtocol)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{map.FieldPath("ports")}[{i}]";
            var p = YamlMap.Open(items[i], path, context, "name", "port", "targetPort", "protocol", "nodePort");
            if (p is null) continue;
            var name = p.String("name") ?? "";
            if (name.Length == 0 && items.Count > 1) p.Error("name", "required when a service has more than one port");
            else if (name.Length > 0 && !names.Add(name)) p.Error("name", $"duplicate port name '{name}'");
            var port = p.Int("port", 1, 65535, required: true);
            var protocol = ParseProtocol(p);
            var nodePort = p.Int("nodePort", 1, 65535);

            var targetPort = port ?? 0;
            string? targetName = null;
            if (p.String("targetPort") is { } target)
            {
                if (int.TryParse(target, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                {
                    if (n is < 1 or > 65535) p.Error("targetPort", $"'{target}' is not a port from 1 to 65535");
                    targetPort = n;
                }
                else if (PortName().IsMatch(target))
                {
                    targetPort = 0;
                    targetName = target;
                }
                else
                {
                    p.Error("targetPort", $"'{target}' is neither a port number nor a port name");
                }
            }

            if (port is null || protocol is null) continue;
            if (!seen.Add((port.Value, protocol.Value)))
            {
                p.Error("port", $"duplicate port {port}/{protocol}");
                continue;
            }

            ports.Add(new ServicePort(name, port.Value, protocol.Value, targetPort, targetName, nodePort));
        }

        return ports;
    }

    private static ServiceEndpoints ParseEndpoints(YamlMap map, ServiceKey key, List<ServicePort> servicePorts, ParseContext context)
    {
        var list = new List<MeshEndpoint>();
        var items = map.Sequence("endpoints") ?? [];
        var seen = new HashSet<IPAddress>();
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{map.FieldPath("endpoints")}[{i}]";
            var e = YamlMap.Open(items[i], path, context, "ip", "node", "ready", "hostname", "ports");
            if (e is null) continue;
            var ip = e.Ip("ip", required: true);
            var node = e.String("node");
            if (node is { Length: 0 }) e.Error("node", "must not be empty; omit it when the node is unknown");
            var ready = e.Bool("ready") ?? true;
            var hostname = e.String("hostname");
            if (hostname is not null && !Dns1123Label().IsMatch(hostname)) e.Error("hostname", $"'{hostname}' is not a valid DNS label");
            var ports = e.Has("ports") ? ParseEndpointPorts(e, context) : DerivePorts(e, servicePorts);
            if (ip is null) continue;
            if (!seen.Add(ip))
            {
                e.Error("ip", $"duplicate endpoint {ip}");
                continue;
            }

            list.Add(new MeshEndpoint(ip, node, ready, ports, hostname));
        }

        return new ServiceEndpoints(key, list);
    }

    private static List<EndpointPort> DerivePorts(YamlMap endpoint, List<ServicePort> servicePorts)
    {
        // Like a Kubernetes EndpointSlice, each endpoint carries concrete ports; without an explicit
        // list they follow from the service's numeric target ports.
        var ports = new List<EndpointPort>();
        foreach (var sp in servicePorts)
        {
            if (sp.TargetPortName is not null)
            {
                endpoint.Error("ports", $"service port '{sp.Name}' targets the named port '{sp.TargetPortName}'; list ports on each endpoint");
                continue;
            }

            ports.Add(new EndpointPort(sp.Name, sp.TargetPort, sp.Protocol));
        }

        return ports;
    }

    private static List<EndpointPort> ParseEndpointPorts(YamlMap endpoint, ParseContext context)
    {
        var ports = new List<EndpointPort>();
        var items = endpoint.Sequence("ports") ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var p = YamlMap.Open(items[i], $"{endpoint.FieldPath("ports")}[{i}]", context, "name", "port", "protocol");
            if (p is null) continue;
            var name = p.String("name") ?? "";
            var port = p.Int("port", 1, 65535, required: true);
            var protocol = ParseProtocol(p);
            if (port is not null && protocol is not null) ports.Add(new EndpointPort(name, port.Value, protocol.Value));
        }

        return ports;
    }

    private static TransportProtocol? ParseProtocol(YamlMap map)
    {
        var text = map.String("protocol") ?? "TCP";
        switch (text)
        {
            case "TCP": return TransportProtocol.Tcp;
            case "UDP": return TransportProtocol.Udp;
            default:
                map.Error("protocol", $"'{text}' is not supported; use TCP or UDP");
                return null;
        }
    }

    private static MeshNode? ParseNode(YamlNode item, string path, ParseContext context)
    {
        var map = YamlMap.Open(item, path, context, "name", "podCIDRs", "addresses", "labels");
        if (map is null) return null;
        var before = context.Problems.Count;
        var name = map.String("name", required: true);
        if (name is not null && !Dns1123Subdomain().IsMatch(name)) map.Error("name", $"'{name}' is not a valid node name");

        var cidrs = new List<string>();
        foreach (var (value, node, p) in map.Strings("podCIDRs") ?? [])
        {
            if (IPNetwork.TryParse(value, out var network)) cidrs.Add(network.ToString());
            else context.Error(node, p, $"'{value}' is not a CIDR such as 10.244.1.0/24");
        }

        var addresses = ParseIps(map, "addresses", context);
        var labels = map.StringMap("labels");
        return context.Problems.Count > before || name is null ? null : new MeshNode(name, cidrs, addresses, labels);
    }

    private static string YamlMessage(YamlException ex)
    {
        // YamlDotNet prefixes messages with "(Line: a, Col: b, Idx: c) - (...): "; the location is
        // already in the problem, so keep only the reason.
        var message = ex.Message;
        var marker = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line", StringComparison.Ordinal) && marker >= 0 ? message[(marker + 3)..] : message;
    }

    [GeneratedRegex("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    internal static partial Regex Dns1123Label();

    [GeneratedRegex("^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    internal static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^(?=.{1,15}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex PortName();
}
