using System.Net;
using System.Net.Sockets;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>Two connected loopback TCP sockets: real sockets rather than an in-memory fake.</summary>
internal static class SocketPair
{
    /// <summary>The connecting socket and the accepted one.</summary>
    public static async Task<(Socket Connecting, Socket Accepted)> CreateAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var connecting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await connecting.ConnectAsync(listener.LocalEndPoint!);
        return (connecting, await accept);
    }
}
