using System.Net;
using System.Net.Sockets;

namespace PluginMesh.TestSupport;

/// <summary>Two connected loopback TCP sockets: real sockets rather than an in-memory fake.</summary>
public static class SocketPair
{
    /// <summary>The connecting socket and the accepted one.</summary>
    public static async Task<(Socket Connecting, Socket Accepted)> SocketsAsync(bool noDelay = false)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var connecting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = noDelay };
        var accept = listener.AcceptAsync();
        await connecting.ConnectAsync(listener.LocalEndPoint!);
        var accepted = await accept;
        accepted.NoDelay = noDelay;
        return (connecting, accepted);
    }

    /// <summary>The pair as streams that own their sockets, without Nagle (what the protocol layers run on).</summary>
    public static async Task<(NetworkStream A, NetworkStream B)> StreamsAsync()
    {
        var (a, b) = await SocketsAsync(noDelay: true);
        return (new NetworkStream(a, ownsSocket: true), new NetworkStream(b, ownsSocket: true));
    }
}
