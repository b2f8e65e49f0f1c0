using System.Net;
using System.Net.Sockets;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary>Two connected loopback TCP streams: real sockets rather than an in-memory fake.</summary>
internal static class SocketPair
{
    public static async Task<(NetworkStream A, NetworkStream B)> CreateAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await accept;
        server.NoDelay = true;
        return (new NetworkStream(client, ownsSocket: true), new NetworkStream(server, ownsSocket: true));
    }
}
