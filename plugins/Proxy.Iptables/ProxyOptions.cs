using System.Globalization;
namespace PluginMesh.Plugins.Proxy.Iptables;

/// <summary>Configuration of <c>proxy.iptables</c> (section <c>plugins:proxy.iptables</c>).</summary>
public sealed record ProxyOptions
{
    /// <summary>Requested mode (<c>auto</c> resolves at start).</summary>
    public ProxyMode Mode { get; init; } = ProxyMode.Auto;

    /// <summary>iptables binary (e.g. <c>iptables-legacy</c>, <c>iptables-nft</c>, a path); null = the system's <c>iptables</c>.</summary>
    public string? IptablesBinary { get; init; }

    /// <summary>Named network namespace (<c>/run/netns/NAME</c>) holding the rules and the listeners; null = our own.</summary>
    public string? Netns { get; init; }

    /// <summary>The one TCP listener port in iptables mode (0 = kernel-chosen).</summary>
    public int TcpPort { get; init; } = 15001;

    /// <summary>Address of the per-service listeners in listen mode.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Address node ports listen on in listen mode, and health check node ports in both modes (default every address of the node).</summary>
    public IPAddress NodePortAddress { get; init; } = IPAddress.Any;

    /// <summary>Ports handed to per-service listeners (null = kernel-chosen).</summary>
    public PortRange? PortRange { get; init; }

    /// <summary>UDP sessions without traffic for this long are closed.</summary>
    public TimeSpan UdpIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Limit for one dial attempt (direct or tunnel).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Node-wide default load-balancing policy.</summary>
    public LoadBalancerKind LoadBalancer { get; init; } = LoadBalancerKind.RoundRobin;

    /// <summary>Pod CIDRs reachable from this node without the tunnel.</summary>
    public IReadOnlyList<IPNetwork> RoutableCidrs { get; init; } = [];

    /// <summary>Nodes whose endpoints are dialed directly.</summary>
    public IReadOnlyList<string> DirectNodes { get; init; } = [];

    /// <summary>
    /// The operator says the pod network is flat: an endpoint inside its own node's podCIDRs (as the
    /// catalog has them from the API) is dialed directly when that node shares this node's pod
    /// network (all nodes, or those with this node's value of <see cref="FlatPodNetworkLabel"/>).
    /// </summary>
    public bool FlatPodNetwork { get; init; }

    /// <summary>With <see cref="FlatPodNetwork"/>: the node label whose value names a flat pod network; null = one network for every node.</summary>
    public string? FlatPodNetworkLabel { get; init; }

    /// <summary>Consecutive dial failures before an endpoint is ejected.</summary>
    public int EjectAfterFailures { get; init; } = 3;

    /// <summary>How long an ejected endpoint stays out.</summary>
    public TimeSpan EjectFor { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// iptables mode: a node port or external IP with <c>externalTrafficPolicy: Local</c> reaches its
    /// endpoint from the client's own address (TCP and UDP, IPv4 and IPv6), as with kube-proxy (see <see cref="Rules.ClientSourceRouting"/>).
    /// </summary>
    public bool KeepClientSource { get; init; } = true;

    /// <summary>The packet-mark bit the endpoint's replies get; the bit above it marks the agent's own packets (<see cref="KeepClientSource"/>).</summary>
    public uint ClientSourceMark { get; init; } = 0x100000;

    /// <summary>The routing table that delivers those replies on this node (<see cref="KeepClientSource"/>).</summary>
    public int ClientSourceTable { get; init; } = 19792;

    /// <summary>Whether to answer <c>/pluginmesh/tunnel/1.0.0</c> streams from other agents.</summary>
    public bool ServeTunnel { get; init; } = true;

    /// <summary>Who may have this agent dial through <c>/pluginmesh/tunnel/1.0.0</c>.</summary>
    public TunnelMembers TunnelMembers { get; init; } = TunnelMembers.Bound;

    /// <summary>Endpoint addresses this agent serves through the tunnel even when the catalog places them on another node.</summary>
    public IReadOnlyList<IPNetwork> TunnelServeCidrs { get; init; } = [];

    /// <summary>Whether the tunnel may dial the control plane (API server endpoints, <see cref="TunnelDeniedPorts"/>, the admin port).</summary>
    public bool TunnelAllowControlPlane { get; init; }

    /// <summary>Target ports the tunnel never dials (kubelet 10250 and read-only 10255 by default), besides the admin port.</summary>
    public IReadOnlyList<int> TunnelDeniedPorts { get; init; } = [10250, 10255];

    /// <summary>Whether bulk TCP between two sockets may move through the kernel (<c>splice(2)</c>, Linux) instead of being copied.</summary>
    public bool ZeroCopy { get; init; } = true;

    /// <summary>
    /// Whether TCP connections to endpoints on this node are connected and relayed on the proxy's own
    /// event loop (<see cref="Forwarding.SocketLoop"/>, Linux) instead of the runtime's socket engine.
    /// </summary>
    public bool EventLoop { get; init; } = true;

    private static readonly string[] Keys =
    [
        "enabled", "mode", "iptablesBinary", "netns", "tcpPort", "listenAddress", "nodePortAddress", "portRange", "udpIdleTimeoutMs",
        "connectTimeoutMs", "loadBalancer", "routableCidrs", "directNodes", "flatPodNetwork", "flatPodNetworkLabel",
        "ejectAfterFailures", "ejectForMs", "keepClientSource", "clientSourceMark", "clientSourceTable", "serveTunnel", "zeroCopy", "eventLoop", "tunnelMembers", "tunnelServeCidrs", "tunnelAllowControlPlane",
        "tunnelDeniedPorts",
    ];

    /// <summary>Reads the section, reporting every problem through <paramref name="error"/> (key, message).</summary>
    public static ProxyOptions Read(IConfiguration section, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(error);
        foreach (var child in section.GetChildren())
        {
            // A misspelt key silently falling back to a default is worse than a refusal to start.
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                error(child.Key, "unknown key; expected one of: " + string.Join(", ", Keys.Skip(1)));
        }

        var o = new ProxyOptions();
        o = o with { Mode = ReadEnum(section, "mode", o.Mode, "auto, iptables, listen", error) };

        var binary = section["iptablesBinary"];
        if (binary is not null)
        {
            if (string.IsNullOrWhiteSpace(binary) || binary.Any(char.IsWhiteSpace)) error("iptablesBinary", "must be a binary name or path without spaces");
            else o = o with { IptablesBinary = binary };
        }

        var netns = section["netns"];
        if (netns is not null)
        {
            if (netns.Length == 0 || netns.Contains('/', StringComparison.Ordinal) || netns.Any(char.IsWhiteSpace) || netns.StartsWith('.'))
                error("netns", "must be a namespace name as listed by `ip netns` (no '/', no spaces)");
            else o = o with { Netns = netns };
        }

        o = o with { TcpPort = ConfigValues.Int(section, "tcpPort", o.TcpPort, 0, 65535, error) };
        o = o with
        {
            ListenAddress = Address(section, "listenAddress", o.ListenAddress, error),
            NodePortAddress = Address(section, "nodePortAddress", o.NodePortAddress, error),
        };

        var range = section["portRange"];
        if (range is not null && !string.Equals(range, "auto", StringComparison.OrdinalIgnoreCase))
        {
            if (Iptables.PortRange.TryParse(range, out var r)) o = o with { PortRange = r };
            else error("portRange", $"'{range}' is not 'auto' or 'FIRST-LAST' with 1 <= FIRST <= LAST <= 65535");
        }

        o = o with
        {
            UdpIdleTimeout = TimeSpan.FromMilliseconds(ConfigValues.Int(section, "udpIdleTimeoutMs", (int)o.UdpIdleTimeout.TotalMilliseconds, 100, 86_400_000, error)),
            ConnectTimeout = TimeSpan.FromMilliseconds(ConfigValues.Int(section, "connectTimeoutMs", (int)o.ConnectTimeout.TotalMilliseconds, 10, 600_000, error)),
            EjectAfterFailures = ConfigValues.Int(section, "ejectAfterFailures", o.EjectAfterFailures, 1, 1000, error),
            EjectFor = TimeSpan.FromMilliseconds(ConfigValues.Int(section, "ejectForMs", (int)o.EjectFor.TotalMilliseconds, 0, 86_400_000, error)),
        };

        var lb = section["loadBalancer"];
        if (lb is not null)
        {
            if (LoadBalancerNames.TryParse(lb, out var kind)) o = o with { LoadBalancer = kind };
            else error("loadBalancer", $"'{lb}' is not one of: {LoadBalancerNames.Accepted}");
        }

        var cidrs = ReadCidrs(section, "routableCidrs", error);
        var serveCidrs = ReadCidrs(section, "tunnelServeCidrs", error);

        var nodes = new List<string>();
        foreach (var c in section.GetSection("directNodes").GetChildren())
        {
            if (string.IsNullOrWhiteSpace(c.Value)) error($"directNodes:{c.Key}", "must be a node name");
            else nodes.Add(c.Value);
        }

        o = o with
        {
            ServeTunnel = ConfigValues.Bool(section, "serveTunnel", o.ServeTunnel, error),
            KeepClientSource = ConfigValues.Bool(section, "keepClientSource", o.KeepClientSource, error),
            ClientSourceTable = ConfigValues.Int(section, "clientSourceTable", o.ClientSourceTable, 1, int.MaxValue, error),
            ZeroCopy = ConfigValues.Bool(section, "zeroCopy", o.ZeroCopy, error),
            EventLoop = ConfigValues.Bool(section, "eventLoop", o.EventLoop, error),
            FlatPodNetwork = ConfigValues.Bool(section, "flatPodNetwork", o.FlatPodNetwork, error),
            TunnelAllowControlPlane = ConfigValues.Bool(section, "tunnelAllowControlPlane", o.TunnelAllowControlPlane, error),
            TunnelMembers = ReadEnum(section, "tunnelMembers", o.TunnelMembers, "bound, connected", error),
        };

        if (o.ClientSourceTable is >= 253 and <= 255) error("clientSourceTable", $"{o.ClientSourceTable} is one of the kernel's own tables (253 default, 254 main, 255 local)");
        var mark = section["clientSourceMark"];
        if (mark is not null)
        {
            var hex = mark.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
            if (!uint.TryParse(hex ? mark[2..] : mark, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var bit)
                || bit == 0 || (bit & (bit - 1)) != 0 || bit > 0x40000000)
                error("clientSourceMark", $"'{mark}' is not one packet-mark bit (e.g. 0x100000) below 0x80000000; the bit above it is used too");
            else o = o with { ClientSourceMark = bit };
        }

        var flatLabel = section["flatPodNetworkLabel"];
        if (flatLabel is not null)
        {
            if (string.IsNullOrWhiteSpace(flatLabel) || flatLabel.Any(char.IsWhiteSpace))
                error("flatPodNetworkLabel", $"'{flatLabel}' is not a node label key (e.g. topology.kubernetes.io/zone)");
            else if (!o.FlatPodNetwork) error("flatPodNetworkLabel", "only meaningful with flatPodNetwork: true");
            else o = o with { FlatPodNetworkLabel = flatLabel };
        }

        var denied = section.GetSection("tunnelDeniedPorts").GetChildren().ToList();
        if (denied.Count > 0)
        {
            var ports = new List<int>();
            foreach (var c in denied)
            {
                if (int.TryParse(c.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535) ports.Add(p);
                else error($"tunnelDeniedPorts:{c.Key}", $"'{c.Value}' is not a port from 1 to 65535");
            }
            o = o with { TunnelDeniedPorts = ports };
        }

        return o with { RoutableCidrs = cidrs, DirectNodes = nodes, TunnelServeCidrs = serveCidrs };
    }

    private static IPAddress Address(IConfiguration section, string key, IPAddress fallback, Action<string, string> error)
    {
        var text = section[key];
        if (text is null) return fallback;
        if (IPAddress.TryParse(text, out var ip)) return ip;
        error(key, $"'{text}' is not an IP address");
        return fallback;
    }

    private static List<IPNetwork> ReadCidrs(IConfiguration section, string key, Action<string, string> error)
    {
        var cidrs = new List<IPNetwork>();
        // Error paths use each child's own key (its index in the user's list), not our loop position.
        foreach (var c in section.GetSection(key).GetChildren())
        {
            if (IPNetwork.TryParse(c.Value ?? "", out var net)) cidrs.Add(net);
            else error($"{key}:{c.Key}", $"'{c.Value}' is not a CIDR (e.g. 10.244.1.0/24)");
        }
        return cidrs;
    }

    private static T ReadEnum<T>(IConfiguration section, string key, T fallback, string accepted, Action<string, string> error)
        where T : struct, Enum
    {
        var raw = section[key];
        if (raw is null) return fallback;
        if (Enum.TryParse<T>(raw, ignoreCase: true, out var v) && !int.TryParse(raw, out _)) return v;
        error(key, $"'{raw}' is not one of: {accepted}");
        return fallback;
    }
}
