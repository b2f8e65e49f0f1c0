namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// Per service-port listeners (every port in listen mode; UDP ports in iptables mode). A port keeps
/// its listener, and so its local port number, for as long as it stays in the catalog. Called from
/// the reconcile loop only; <see cref="PortOf"/> is safe from any thread. With
/// <paramref name="nodePortAddress"/> set (listen mode), an external entry listens where clients
/// outside the node dial it: on its node port at that address, and on the service port at each of
/// the service's external IPs (bound with <c>IP_FREEBIND</c>, so an address that is not, or not yet,
/// on this node — a floating IP — is served once it arrives; IPv6 ones too), a dual-stack Service's node
/// port also on [::] when <paramref name="nodePortAddress"/> is 0.0.0.0. With <paramref name="bindAddress6"/> set
/// (iptables mode), an entry of a Service with an IPv6 address also listens there, IPv6 only, on the
/// same port number, for the ip6tables rules.
/// </summary>
public sealed class ListenerSet(
    ProxyOptions options, IPAddress bindAddress, ISocketFactory sockets, Func<ServiceTable> table, TcpForwarder tcp, EndpointDialer dialer,
    ConnectionScope scope, TimeProvider time, ILogger logger, IPAddress? nodePortAddress = null, IPAddress? bindAddress6 = null) : IAsyncDisposable
{
    private readonly Dictionary<PortKey, List<IAsyncDisposable>> _listeners = [];
    // The fixed addresses an external entry was bound to (listen mode), to notice when they change.
    private readonly Dictionary<PortKey, IPEndPoint[]> _fixed = [];
    private volatile Dictionary<PortKey, int> _ports = [];
    private volatile HashSet<PortKey> _ipv6 = [];

    /// <summary>The local port serving <paramref name="key"/>, or null.</summary>
    public int? PortOf(PortKey key) => _ports.TryGetValue(key, out var p) ? p : null;

    /// <summary>The local port serving <paramref name="key"/> over IPv6 (the same number as <see cref="PortOf"/>), or null.</summary>
    public int? Ipv6PortOf(PortKey key) => _ipv6.Contains(key) ? PortOf(key) : null;

    /// <summary>Opens listeners for new ports in <paramref name="wanted"/> and closes those of ports gone (or whose node port or external IPs changed).</summary>
    public async Task ReconcileAsync(IEnumerable<PortKey> wanted)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        var want = wanted.ToHashSet();
        foreach (var gone in _listeners.Keys.Where(k => !want.Contains(k) || FixedMoved(k)).ToList())
        {
            foreach (var listener in _listeners[gone]) await listener.DisposeAsync().ConfigureAwait(false);
            _listeners.Remove(gone);
            _fixed.Remove(gone);
        }

        var ports = new Dictionary<PortKey, int>(_ports.Where(kv => _listeners.ContainsKey(kv.Key)));
        var ipv6 = _ipv6.Where(_listeners.ContainsKey).ToHashSet();
        foreach (var key in want)
        {
            if (!_listeners.ContainsKey(key))
            {
                var fixedAt = FixedAddresses(key, out var nodePorts);
                var bound = (fixedAt is null ? new[] { Bind(key) } : fixedAt.Select((at, i) => Open(key, at.Address, at.Port, probing: false, freeBind: i >= nodePorts, out _,
                    v6Only: i < nodePorts && at.Address.Equals(IPAddress.IPv6Any) && !nodePortAddress!.Equals(IPAddress.IPv6Any))))
                    .OfType<Socket>().ToList();
                if (bound.Count == 0) continue; // tried again at the next reconcile
                if (fixedAt is not null) _fixed[key] = fixedAt;
                _listeners[key] = bound.Select(socket => Serve(key, socket)).ToList();
                ports[key] = ((IPEndPoint)bound[0].LocalEndPoint!).Port;
            }
            // The IPv6 twin, added when the Service has (or gains) an IPv6 address; kept once open.
            if (bindAddress6 is not null && !ipv6.Contains(key) && table().Entries.GetValueOrDefault(key) is { HasIpv6Address: true }
                && Open(key, bindAddress6, ports[key], probing: false, freeBind: false, out _, v6Only: true) is { } socket6)
            {
                _listeners[key].Add(Serve(key, socket6));
                ipv6.Add(key);
            }
        }
        _ports = ports;
        _ipv6 = ipv6;
    }

    private IAsyncDisposable Serve(PortKey key, Socket socket)
    {
        ServicePortEntry? Resolve() => table().Entries.GetValueOrDefault(key);
        return key.Protocol == TransportProtocol.Udp
            ? new UdpServiceListener(socket, Resolve, dialer, sockets, options, time, scope)
            : new TcpAcceptLoop(socket, _ => Resolve(), tcp, scope, logger);
    }

    // Where an external entry listens (listen mode): its node port on nodePortAddress, then the service
    // port on each external IP (nodePorts: how many of the first are node ports, 0 or 1). Null for every
    // other entry: its port is ours to pick.
    private IPEndPoint[]? FixedAddresses(PortKey key, out int nodePorts)
    {
        nodePorts = 0;
        if (!key.External || nodePortAddress is null || table().Entries.GetValueOrDefault(key) is not { } entry) return null;
        var at = new List<IPEndPoint>();
        if (entry.Port.NodePort is int nodePort and > 0)
        {
            at.Add(new IPEndPoint(nodePortAddress, nodePort));
            // Every address (the default): a dual-stack Service's node port answers on IPv6 too, as kube-proxy's does.
            if (nodePortAddress.Equals(IPAddress.Any) && entry.HasIpv6Address) at.Add(new IPEndPoint(IPAddress.IPv6Any, nodePort));
        }
        nodePorts = at.Count;
        foreach (var ip in entry.Service?.ExternalIps ?? []) at.Add(new IPEndPoint(ip, entry.Port.Port));
        return [.. at];
    }

    // A Service edit can move the node port or change the external IPs of the same service port; its listeners must follow.
    private bool FixedMoved(PortKey key) => _fixed.TryGetValue(key, out var was) && !(FixedAddresses(key, out _) ?? []).SequenceEqual(was);

    private Socket? Bind(PortKey key)
    {
        var range = options.PortRange;
        var size = range is null ? 1 : range.Last - range.First + 1;
        // Start from a port derived from the service's name, so the same service tends to get the
        // same local port across restarts, and probe linearly from there.
        var start = range is null ? 0 : (int)(StableHash.Of(System.Text.Encoding.UTF8.GetBytes($"{key.Service}:{key.Port}/{key.Protocol}")) % (ulong)size);
        for (var i = 0; i < size; i++)
        {
            var port = range is null ? 0 : range.First + ((start + i) % size);
            var socket = Open(key, bindAddress, port, probing: range is not null, freeBind: false, out var busy);
            if (socket is not null || !busy) return socket;
        }
        logger.ListenerFailed(key.Name, $"no free port in {range}");
        return null;
    }

    // Null when the bind failed: busy (and not logged) when probing and the port is taken.
    private Socket? Open(PortKey key, IPAddress address, int port, bool probing, bool freeBind, out bool busy, bool v6Only = false)
    {
        busy = false;
        var udp = key.Protocol == TransportProtocol.Udp;
        var socket = sockets.Create(address.AddressFamily, udp ? SocketType.Dgram : SocketType.Stream, udp ? ProtocolType.Udp : ProtocolType.Tcp);
        try
        {
            // UDP: per-session sockets bind the same port on the client's destination address.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            // The IPv6 twin serves IPv6 only: its port number is the IPv4 listener's too.
            if (v6Only) socket.DualMode = false;
            // An external IP may live on another node now and move here later (a floating address).
            if (freeBind)
            {
                var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
                socket.SetRawSocketOption(v6 ? Ipv6ProtocolLevel : IpProtocolLevel, v6 ? Ipv6FreeBind : IpFreeBind, BitConverter.GetBytes(1));
            }
            socket.Bind(new IPEndPoint(address, port));
            if (!udp) socket.Listen(512);
            return socket;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse && probing)
        {
            socket.Dispose();
            busy = true;
            return null;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            logger.ListenerFailed(key.Name, ex.Message);
            return null;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var l in _listeners.Values.SelectMany(l => l)) await l.DisposeAsync().ConfigureAwait(false);
        _listeners.Clear();
        _fixed.Clear();
        _ports = [];
        _ipv6 = [];
    }

    private const int IpProtocolLevel = 0; // SOL_IP
    private const int IpFreeBind = 15;     // IP_FREEBIND (linux/in.h)
    private const int Ipv6ProtocolLevel = 41; // SOL_IPV6
    private const int Ipv6FreeBind = 78;      // IPV6_FREEBIND (linux/in6.h)
}
