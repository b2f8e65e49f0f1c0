namespace PluginMesh.Plugins.Tunnel.Libp2p.Transport;

/// <summary>
/// Plain TCP for libp2p: dial with timeout, listen with address and port reuse (hole punching later
/// dials out from the listening port), TCP_NODELAY and keep-alive on every socket.
/// </summary>
public static class TcpTransport
{
    // Linux SO_REUSEPORT; .NET only exposes SO_REUSEADDR.
    private const int SolSocket = 1;
    private const int SoReusePort = 15;

    public static bool CanDial(Multiaddr address) => address.TryGetTcpTarget(out _, out _, out _);

    /// <summary>Connects; throws <see cref="SocketException"/> (refused, unreachable) or <see cref="OperationCanceledException"/>.</summary>
    /// <param name="socketFactory">Creates the socket (tests create them inside a network namespace); null for a plain socket.</param>
    /// <param name="bindTo">
    /// Local end point to dial from, bound with address and port reuse: hole punching dials from the
    /// listening port so that the NAT mapping matches the address the peer was told.
    /// </param>
    public static async Task<Socket> DialAsync(Multiaddr address, CancellationToken cancellationToken, Func<AddressFamily, Socket>? socketFactory = null, IPEndPoint? bindTo = null)
    {
        if (!address.TryGetTcpTarget(out var host, out var port, out var isIp))
            throw new ArgumentException($"tcp: cannot dial {address}", nameof(address));
        IPAddress[] candidates;
        if (isIp)
        {
            candidates = [IPAddress.Parse(host)];
        }
        else
        {
            var family = address.Components[0].Protocol.Name switch
            {
                "dns4" => AddressFamily.InterNetwork,
                "dns6" => AddressFamily.InterNetworkV6,
                _ => AddressFamily.Unspecified,
            };
            candidates = await Dns.GetHostAddressesAsync(host, family, cancellationToken).ConfigureAwait(false);
            if (candidates.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        }
        SocketException? last = null;
        foreach (var ip in candidates)
        {
            var socket = Create(ip.AddressFamily, socketFactory);
            try
            {
                Configure(socket);
                if (bindTo is not null)
                {
                    SetReuse(socket);
                    socket.Bind(bindTo);
                }
                await socket.ConnectAsync(new IPEndPoint(ip, port), cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    /// <summary>Binds and listens on an <c>/ip4|ip6/…/tcp/…</c> address (port 0 picks one).</summary>
    public static Socket Listen(Multiaddr address, Func<AddressFamily, Socket>? socketFactory = null)
    {
        if (!address.TryGetTcpTarget(out var host, out var port, out var isIp) || !isIp)
            throw new ArgumentException($"tcp: cannot listen on {address} (need /ip4 or /ip6 then /tcp)", nameof(address));
        var ip = IPAddress.Parse(host);
        var socket = Create(ip.AddressFamily, socketFactory);
        try
        {
            SetReuse(socket);
            if (ip.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
            socket.Bind(new IPEndPoint(ip, port));
            socket.Listen(512);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static Socket Create(AddressFamily family, Func<AddressFamily, Socket>? factory) =>
        factory?.Invoke(family) ?? new Socket(family, SocketType.Stream, ProtocolType.Tcp);

    private static void SetReuse(Socket socket)
    {
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        if (OperatingSystem.IsLinux()) socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
    }

    public static void Configure(Socket socket)
    {
        socket.NoDelay = true;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
    }
}
