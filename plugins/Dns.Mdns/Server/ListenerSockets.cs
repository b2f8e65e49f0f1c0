namespace PluginMesh.Plugins.Dns.Mdns.Server;

/// <summary>Binds the UDP and TCP sockets of one listen endpoint on the same port.</summary>
internal static class ListenerSockets
{
    private const int PortZeroAttempts = 20;

    /// <summary>
    /// Binds both sockets. For port 0 the UDP port is picked first and TCP must get the same number,
    /// retried a few times since another process may hold that TCP port.
    /// </summary>
    /// <exception cref="PluginMeshException">When the endpoint cannot be bound.</exception>
    public static (Socket Udp, Socket Tcp) Bind(IPEndPoint endpoint)
    {
        var attempts = endpoint.Port == 0 ? PortZeroAttempts : 1;
        SocketException? last = null;
        for (var i = 0; i < attempts; i++)
        {
            var udp = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            Socket? tcp = null;
            try
            {
                if (endpoint.AddressFamily == AddressFamily.InterNetworkV6) udp.DualMode = false;
                // Bursts from many pods arrive together; the kernel default queue drops them early.
                // The kernel caps the size at net.core.rmem_max, which is fine.
                udp.ReceiveBufferSize = 4 << 20;
                udp.Bind(endpoint);
                var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
                tcp = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                if (endpoint.AddressFamily == AddressFamily.InterNetworkV6) tcp.DualMode = false;
                // A restarted agent must not wait for TIME_WAIT connections of its predecessor.
                tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                tcp.Bind(new IPEndPoint(endpoint.Address, port));
                tcp.Listen(512);
                return (udp, tcp);
            }
            catch (SocketException ex)
            {
                last = ex;
                udp.Dispose();
                tcp?.Dispose();
            }
        }
        throw new PluginMeshException(DnsMdnsPlugin.PluginId, "listen",
            $"cannot bind {endpoint} (udp+tcp): {last!.SocketErrorCode} — is another DNS server running there, or is the address not on this host?", last);
    }
}
