namespace PluginMesh.Plugins.Dns.Mdns;

/// <summary>Configuration of <c>dns.mdns</c> (section <c>plugins:dns.mdns</c>).</summary>
/// <param name="ClusterDomain">Domain the server is authoritative for.</param>
/// <param name="Ttl">TTL of cluster answers and of the SOA's negative TTL, in seconds.</param>
/// <param name="Listen">UDP and TCP listen endpoints (port 0 picks a free port, for tests).</param>
/// <param name="CreateInterface">Whether to create the dummy interface carrying the listen addresses.</param>
/// <param name="InterfaceName">Name of that interface.</param>
/// <param name="Upstreams">Configured upstreams; empty means read <paramref name="ResolvConf"/> at start.</param>
/// <param name="ResolvConf">Where to read upstreams from when none are configured.</param>
/// <param name="UpstreamTimeout">How long one upstream gets before the next is tried.</param>
/// <param name="CacheSize">Maximum cached forwarded responses (0 disables the cache).</param>
/// <param name="MaxCacheTtl">Cap on positive TTLs from upstreams, in seconds.</param>
/// <param name="MaxNegativeTtl">Cap on negative-caching TTLs (RFC 2308 §5), in seconds.</param>
/// <param name="TcpIdleTimeout">A TCP client silent this long is disconnected.</param>
/// <param name="MaxTcpConnections">TCP connections served at once; more are closed on accept.</param>
/// <param name="MaxConcurrentForwards">Upstream exchanges in flight at once for the node; a query beyond is answered REFUSED.</param>
/// <param name="ForwardRatePerClient">Queries per second one client IP (IPv6: /64) may send upstream, burst twice that; 0 = no per-client bound.</param>
public sealed record DnsOptions(
    string ClusterDomain,
    uint Ttl,
    IReadOnlyList<IPEndPoint> Listen,
    bool CreateInterface,
    string InterfaceName,
    IReadOnlyList<IPEndPoint> Upstreams,
    string ResolvConf,
    TimeSpan UpstreamTimeout,
    int CacheSize,
    uint MaxCacheTtl,
    uint MaxNegativeTtl,
    TimeSpan TcpIdleTimeout,
    int MaxTcpConnections,
    int MaxConcurrentForwards = 256,
    int ForwardRatePerClient = 100)
{
    /// <summary>The address EdgeMesh uses, so KubeEdge's <c>clusterDNS</c> setting keeps working.</summary>
    public static readonly IPEndPoint PrivilegedListen = new(IPAddress.Parse("169.254.96.16"), 53);

    /// <summary>Listen endpoint when not running as root: no privileged port, no interface.</summary>
    public static readonly IPEndPoint UnprivilegedListen = new(IPAddress.Loopback, 5353);

    internal static readonly string[] Keys =
    [
        "enabled", "clusterDomain", "ttl", "listen", "createInterface", "interface", "upstreams", "resolvConf",
        "upstreamTimeoutMs", "cacheSize", "maxCacheTtl", "maxNegativeTtl", "tcpIdleTimeoutMs", "maxTcpConnections", "maxConcurrentForwards", "forwardRatePerClient", "dns", "mdns",
    ];

    /// <summary>
    /// Whether the DNS server runs (<c>dns.enabled</c>, default true). False leaves only mDNS
    /// discovery: a node can find peers without serving DNS (another resolver already owns port 53).
    /// </summary>
    public bool ServeDns { get; init; } = true;

    /// <summary>
    /// True when the listen address and the interface are the root defaults (neither <c>listen</c> nor
    /// <c>createInterface</c> configured): if the interface cannot be made (no <c>ip</c> command, no
    /// CAP_NET_ADMIN in a container), the server falls back to <see cref="UnprivilegedListen"/> with a
    /// warning instead of failing the agent's start. A configured interface is a requirement.
    /// </summary>
    public bool InterfaceDefaulted { get; init; }

    /// <summary>Reads the section, reporting every problem through <paramref name="error"/> (relative key, message).</summary>
    /// <param name="section">The plugin's section.</param>
    /// <param name="isRoot">Whether the process runs as root (decides the default listen address).</param>
    /// <param name="error">Receives each problem.</param>
    public static DnsOptions Read(IConfiguration section, bool isRoot, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(error);

        foreach (var child in section.GetChildren())
        {
            // mdns: is read by MdnsOptions; dns: holds only the switch for the unicast server.
            if (string.Equals(child.Key, "mdns", StringComparison.OrdinalIgnoreCase)) continue;
            if (string.Equals(child.Key, "dns", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var sub in child.GetChildren())
                    if (!string.Equals(sub.Key, "enabled", StringComparison.OrdinalIgnoreCase)) error($"dns:{sub.Key}", "unknown key; expected: enabled");
            }
            else if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                error(child.Key, $"unknown key; expected one of: {string.Join(", ", Keys.Skip(1))}");
        }

        var domain = section["clusterDomain"] ?? "cluster.local";
        if (!DnsNames.IsValidHostName(domain)) error("clusterDomain", $"'{domain}' is not a valid domain name (letters, digits, '-', labels of 1-63 characters)");
        domain = domain.TrimEnd('.').ToLowerInvariant();

        var listenConfigured = section.GetSection("listen").Exists();
        var listenEntries = listenConfigured ? ReadEndpoints(section, "listen", 53, error) : [];
        for (var i = 0; i < listenEntries.Count; i++)
        {
            var (key, endpoint) = listenEntries[i];
            var earlier = listenEntries.Take(i).FirstOrDefault(e => e.Endpoint.Equals(endpoint) && endpoint.Port != 0);
            if (earlier.Key is not null) error(key, $"duplicate of {ConfigPathText(earlier.Key)} ({endpoint})");
        }
        IReadOnlyList<IPEndPoint> listen = listenConfigured
            ? listenEntries.Select(e => e.Endpoint).ToList()
            : [isRoot ? PrivilegedListen : UnprivilegedListen];

        var serveDns = ConfigValues.Bool(section, "dns:enabled", true, error);
        var interfaceDefaulted = isRoot && !listenConfigured && serveDns && !section.GetSection("createInterface").Exists();
        var createInterface = ConfigValues.Bool(section, "createInterface", isRoot && !listenConfigured && serveDns, error);
        if (createInterface && !isRoot) error("createInterface", "needs root (CAP_NET_ADMIN) to create the dummy interface; set it to false or run as root");
        var interfaceName = section["interface"] ?? "pluginmesh0";
        if (interfaceName.Length is 0 or > 15 || interfaceName.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.')))
            error("interface", $"'{interfaceName}' is not a valid interface name (1-15 of letters, digits, '-', '_', '.')");

        var upstreamEntries = section.GetSection("upstreams").Exists() ? ReadEndpoints(section, "upstreams", 53, error) : [];
        foreach (var (key, endpoint) in upstreamEntries)
            if (endpoint.Port == 0) error(key, "port 0 cannot be an upstream");
        var upstreams = upstreamEntries.Select(e => e.Endpoint).ToList();

        var resolvConf = section["resolvConf"] ?? "/etc/resolv.conf";
        if (string.IsNullOrWhiteSpace(resolvConf) || resolvConf.Contains('\0', StringComparison.Ordinal)) error("resolvConf", "must be a file path");

        return new DnsOptions(
            domain,
            (uint)ConfigValues.Int(section, "ttl", 5, 0, 86400, error),
            listen,
            createInterface,
            interfaceName,
            upstreams,
            resolvConf,
            TimeSpan.FromMilliseconds(ConfigValues.Int(section, "upstreamTimeoutMs", 2000, 50, 60000, error)),
            ConfigValues.Int(section, "cacheSize", 10000, 0, 1_000_000, error),
            (uint)ConfigValues.Int(section, "maxCacheTtl", 3600, 0, 604800, error),
            (uint)ConfigValues.Int(section, "maxNegativeTtl", 300, 0, 10800, error),
            TimeSpan.FromMilliseconds(ConfigValues.Int(section, "tcpIdleTimeoutMs", 10000, 100, 600000, error)),
            ConfigValues.Int(section, "maxTcpConnections", 256, 1, 65536, error),
            ConfigValues.Int(section, "maxConcurrentForwards", 256, 1, 65536, error),
            ConfigValues.Int(section, "forwardRatePerClient", 100, 0, 1_000_000, error))
        {
            ServeDns = serveDns,
            InterfaceDefaulted = interfaceDefaulted,
        };
    }

    private static List<(string Key, IPEndPoint Endpoint)> ReadEndpoints(IConfiguration section, string key, int defaultPort, Action<string, string> error)
    {
        var result = new List<(string, IPEndPoint)>();
        var node = section.GetSection(key);
        if (node.Value is not null)
        {
            // A single value written without list syntax: listen: 127.0.0.1:5353
            var single = EndpointText.Parse(node.Value, defaultPort, out var problem);
            if (single is null) error(key, problem!);
            else result.Add((key, single));
            return result;
        }
        foreach (var child in node.GetChildren())
        {
            var childKey = $"{key}:{child.Key}";
            var endpoint = EndpointText.Parse(child.Value, defaultPort, out var problem);
            if (endpoint is null) error(childKey, problem!);
            else result.Add((childKey, endpoint));
        }
        return result;
    }

    private static string ConfigPathText(string key) => PluginMesh.Abstractions.Plugins.ConfigPath.Format(key);
}
