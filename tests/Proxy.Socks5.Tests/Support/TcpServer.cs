using System.Text;

namespace PluginMesh.Plugins.Proxy.Socks5.Tests.Support;

/// <summary>
/// A TCP server on loopback standing for a service on a node: accepts until disposed and hands each
/// connection to its way of serving — <see cref="BannerEcho"/> (an sshd-like banner, then an echo
/// until the client half-closes) or <see cref="Http"/> (one HTTP/1.0 answer, for curl).
/// </summary>
internal sealed class TcpServer : IAsyncDisposable
{
    public const string Banner = "SSH-2.0-test-server";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly TcpListener _listener6;
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<NetworkStream, CancellationToken, Task> _serve;
    private readonly Task[] _loops;

    private TcpServer(Func<NetworkStream, CancellationToken, Task> serve)
    {
        _serve = serve;
        _listener.Start();
        _listener6 = new TcpListener(IPAddress.IPv6Loopback, Port);
        _listener6.Start();
        _loops = [Task.Run(() => AcceptAsync(_listener)), Task.Run(() => AcceptAsync(_listener6))];
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Greets with <see cref="Banner"/>, echoes until the client half-closes, then half-closes too.</summary>
    public static TcpServer BannerEcho() => new(async (stream, stop) =>
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Banner + "\n"), stop);
        await stream.CopyToAsync(stream, stop);
        stream.Socket.Shutdown(SocketShutdown.Send);
    });

    /// <summary>Reads a request head and answers <paramref name="body"/> with HTTP/1.0.</summary>
    public static TcpServer Http(string body) => new(async (stream, stop) =>
    {
        var head = new StringBuilder();
        var buffer = new byte[1024];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer, stop);
            if (n == 0) return;
            head.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        var bytes = Encoding.UTF8.GetBytes(body);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n"), stop);
        await stream.WriteAsync(bytes, stop);
    });

    /// <summary>A loopback port nothing listens on.</summary>
    public static int DeadPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        await _serve(client.GetStream(), _stop.Token);
                    }
                    catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                    {
                    }
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener6.Stop();
        await Task.WhenAll(_loops);
    }
}
