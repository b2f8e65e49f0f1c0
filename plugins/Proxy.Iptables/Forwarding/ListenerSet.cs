namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// Per service-port listeners (every port in listen mode; UDP ports in iptables mode). A port keeps
/// its listener, and so its local port number, for as long as it stays in the catalog. Called from
/// the reconcile loop only; <see cref="PortOf"/> is safe from any thread. With
/// <paramref name="nodePortAddress"/> set (listen mode), an external entry listens on its node port
/// itself on that address, since clients outside the node dial that port.
/// </summary>
public sealed class ListenerSet(
    ProxyOptions options, IPAddress bindAddress, ISocketFactory sockets, Func<ServiceTable> table, TcpForwarder tcp, EndpointDialer dialer,
    ConnectionScope scope, TimeProvider time, ILogger logger, IPAddress? nodePortAddress = null) : IAsyncDisposable
{
    private readonly Dictionary<PortKey, IAsyncDisposable> _listeners = [];
    private volatile Dictionary<PortKey, int> _ports = [];

    /// <summary>The local port serving <paramref name="key"/>, or null.</summary>
    public int? PortOf(PortKey key) => _ports.TryGetValue(key, out var p) ? p : null;

    /// <summary>Opens listeners for new ports in <paramref name="wanted"/> and closes those of ports gone (or of node ports moved).</summary>
    public async Task ReconcileAsync(IEnumerable<PortKey> wanted)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        var want = wanted.ToHashSet();
        foreach (var gone in _listeners.Keys.Where(k => !want.Contains(k) || NodePortMoved(k)).ToList())
        {
            await _listeners[gone].DisposeAsync().ConfigureAwait(false);
            _listeners.Remove(gone);
        }

        var ports = new Dictionary<PortKey, int>(_ports.Where(kv => _listeners.ContainsKey(kv.Key)));
        foreach (var key in want)
        {
            if (_listeners.ContainsKey(key)) continue;
            var socket = Bind(key);
            if (socket is null) continue;
            var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            ServicePortEntry? Resolve() => table().Entries.GetValueOrDefault(key);
            _listeners[key] = key.Protocol == TransportProtocol.Udp
                ? new UdpServiceListener(socket, Resolve, dialer, sockets, options, time, scope)
                : new TcpAcceptLoop(socket, _ => Resolve(), tcp, scope, logger);
            ports[key] = port;
        }
        _ports = ports;
    }

    // The node port to listen on for key itself, or null when the port is ours to pick.
    private int? NodePortOf(PortKey key) => key.External && nodePortAddress is not null ? table().Entries.GetValueOrDefault(key)?.Port.NodePort : null;

    // A Service edit can move the node port of the same service port; its listener must follow.
    private bool NodePortMoved(PortKey key) => NodePortOf(key) is int nodePort && _ports.GetValueOrDefault(key) != nodePort;

    private Socket? Bind(PortKey key)
    {
        if (NodePortOf(key) is int nodePort) return Open(key, nodePortAddress!, nodePort, probing: false, out _);

        var range = options.PortRange;
        var size = range is null ? 1 : range.Last - range.First + 1;
        // Start from a port derived from the service's name, so the same service tends to get the
        // same local port across restarts, and probe linearly from there.
        var start = range is null ? 0 : (int)(StableHash.Of(System.Text.Encoding.UTF8.GetBytes($"{key.Service}:{key.Port}/{key.Protocol}")) % (ulong)size);
        for (var i = 0; i < size; i++)
        {
            var port = range is null ? 0 : range.First + ((start + i) % size);
            var socket = Open(key, bindAddress, port, probing: range is not null, out var busy);
            if (socket is not null || !busy) return socket;
        }
        logger.ListenerFailed(key.Name, $"no free port in {range}");
        return null;
    }

    // Null when the bind failed: busy (and not logged) when probing and the port is taken.
    private Socket? Open(PortKey key, IPAddress address, int port, bool probing, out bool busy)
    {
        busy = false;
        var udp = key.Protocol == TransportProtocol.Udp;
        var socket = sockets.Create(address.AddressFamily, udp ? SocketType.Dgram : SocketType.Stream, udp ? ProtocolType.Udp : ProtocolType.Tcp);
        try
        {
            // UDP: per-session sockets bind the same port on the client's destination address.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
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
        foreach (var l in _listeners.Values) await l.DisposeAsync().ConfigureAwait(false);
        _listeners.Clear();
        _ports = [];
    }
}
