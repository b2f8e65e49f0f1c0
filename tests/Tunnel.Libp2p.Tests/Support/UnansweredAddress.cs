using PluginMesh.P2p;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary>
/// A loopback address whose SYNs go unanswered, like one behind a peer's NAT: a listener with a full
/// accept queue (Linux queues backlog + 1 connections and then drops further SYNs).
/// </summary>
internal sealed class UnansweredAddress : IDisposable
{
    private readonly System.Net.Sockets.Socket _listener = new(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
    private readonly List<System.Net.Sockets.Socket> _queued = [];

    public UnansweredAddress()
    {
        _listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        _listener.Listen(1);
        var end = (System.Net.IPEndPoint)_listener.LocalEndPoint!;
        for (var i = 0; i < 2; i++)
        {
            var s = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            _queued.Add(s);
            s.Connect(end);
        }
        Address = Multiaddr.FromEndPoint(end);
    }

    public Multiaddr Address { get; }

    public void Dispose()
    {
        foreach (var s in _queued) s.Dispose();
        _listener.Dispose();
    }
}
