using System.Net;
using System.Net.Sockets;
using PluginMesh.Plugins.Proxy.Iptables.Netns;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>A real TCP backend: echoes until the client half-closes, then half-closes back.</summary>
public sealed class TcpEchoServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _accepted;

    public TcpEchoServer(IPAddress? bind = null, ISocketFactory? sockets = null, int port = 0)
    {
        bind ??= IPAddress.Loopback;
        _listener = (sockets ?? HostSocketFactory.Instance).Create(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(bind, port));
        _listener.Listen(512);
        _loop = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>The addresses connections came from, in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<IPAddress> Peers { get; } = new();

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket s;
            try
            {
                s = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            Peers.Enqueue(((IPEndPoint)s.RemoteEndPoint!).Address);
            Interlocked.Increment(ref _accepted);
            _ = Task.Run(() => EchoAsync(s));
        }
    }

    private static async Task EchoAsync(Socket s)
    {
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                var n = await s.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0) break;
                await s.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }
            s.Shutdown(SocketShutdown.Send);
            // Wait for the client to close so the FIN is not turned into a reset.
            await s.ReceiveAsync(buffer, SocketFlags.None);
        }
        catch (SocketException)
        {
        }
        finally
        {
            s.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _loop;
        _stop.Dispose();
    }
}
