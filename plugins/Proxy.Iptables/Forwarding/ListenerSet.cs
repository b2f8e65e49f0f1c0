namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// Per service-port listeners (every port in listen mode; UDP ports in iptables mode). A port keeps
/// its listener, and so its local port number, for as long as it stays in the catalog. Called from
/// the reconcile loop only; <see cref="PortOf"/> is safe from any thread.
/// </summary>
public sealed class ListenerSet(
    ProxyOptions options, IPAddress bindAddress, ISocketFactory sockets, Func<ServiceTable> table, TcpForwarder tcp, EndpointDialer dialer,
    ConnectionScope scope, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    private readonly Dictionary<PortKey, IAsyncDisposable> _listeners = [];
    private volatile Dictionary<PortKey, int> _ports = [];

    /// <summary>The local port serving <paramref name="key"/>, or null.</summary>
    public int? PortOf(PortKey key) => _ports.TryGetValue(key, out var p) ? p : null;

    /// <summary>Opens listeners for new ports in <paramref name="wanted"/> and closes those of ports gone.</summary>
    public async Task ReconcileAsync(IEnumerable<PortKey> wanted)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        var want = wanted.ToHashSet();
        foreach (var gone in _listeners.Keys.Where(k => !want.Contains(k)).ToList())
        {
            await _listeners[gone].DisposeAsync().ConfigureAwait(false);
            _listeners.Remove(gone);
        }

        var ports = new Dictionary<PortKey, int>(_ports.Where(kv => want.Contains(kv.Key)));
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

    private Socket? Bind(PortKey key)
    {
        var udp = key.Protocol == TransportProtocol.Udp;
        var range = options.PortRange;
        var size = range is null ? 1 : range.Last - range.First + 1;
        // Start from a port derived from the service's name, so the same service tends to get the
        // same local port across restarts, and probe linearly from there.
        var start = range is null ? 0 : (int)(StableHash.Of(System.Text.Encoding.UTF8.GetBytes($"{key.Service}:{key.Port}/{key.Protocol}")) % (ulong)size);
        for (var i = 0; i < size; i++)
        {
            var port = range is null ? 0 : range.First + ((start + i) % size);
            var socket = sockets.Create(bindAddress.AddressFamily, udp ? SocketType.Dgram : SocketType.Stream, udp ? ProtocolType.Udp : ProtocolType.Tcp);
            try
            {
                // UDP: per-session sockets bind the same port on the client's destination address.
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(new IPEndPoint(bindAddress, port));
                if (!udp) socket.Listen(512);
                return socket;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse && range is not null)
            {
                socket.Dispose();
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                logger.ListenerFailed($"{key.Service}:{key.Port}/{key.Protocol}", ex.Message);
                return null;
            }
        }
        logger.ListenerFailed($"{key.Service}:{key.Port}/{key.Protocol}", $"no free port in {range}");
        return null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var l in _listeners.Values) await l.DisposeAsync().ConfigureAwait(false);
        _listeners.Clear();
        _ports = [];
    }
}
