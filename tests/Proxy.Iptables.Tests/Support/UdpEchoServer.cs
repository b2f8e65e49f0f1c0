using System.Net;
using System.Net.Sockets;
using PluginMesh.Plugins.Proxy.Iptables.Netns;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>A real UDP backend: answers each datagram with the same bytes.</summary>
public sealed class UdpEchoServer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _datagrams;

    public UdpEchoServer(IPAddress? bind = null, ISocketFactory? sockets = null)
    {
        bind ??= IPAddress.Loopback;
        _socket = (sockets ?? HostSocketFactory.Instance).Create(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(bind, 0));
        _loop = Task.Run(RunAsync);
    }

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public int Datagrams => Volatile.Read(ref _datagrams);

    /// <summary>The addresses datagrams came from, in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<IPAddress> Peers { get; } = new();

    private async Task RunAsync()
    {
        var buffer = new byte[65535];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (true)
        {
            try
            {
                var r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
                Peers.Enqueue(((IPEndPoint)r.RemoteEndPoint).Address);
                Interlocked.Increment(ref _datagrams);
                await _socket.SendToAsync(buffer.AsMemory(0, r.ReceivedBytes), SocketFlags.None, r.RemoteEndPoint);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _loop;
        _stop.Dispose();
    }
}
