using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>
/// A backend "pod" speaking just enough HTTP/1.1: reads the request head, answers 200 with its name
/// as the body and closes. Lives in a namespace on an endpoint IP; counts the requests it served.
/// </summary>
internal sealed class HttpBackend : IDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private int _served;

    public HttpBackend(NetnsSockets sockets, IPEndPoint endpoint, string name)
    {
        Name = name;
        _listener = sockets.Tcp();
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(endpoint);
        _listener.Listen(512);
        _ = AcceptAsync();
    }

    public string Name { get; }

    public int Served => Volatile.Read(ref _served);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ServeAsync(s);
        }
    }

    private async Task ServeAsync(Socket s)
    {
        using (s)
        {
            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                cts.CancelAfter(TimeSpan.FromSeconds(30));
                var buffer = new byte[8192];
                var total = 0;
                while (total < buffer.Length)
                {
                    var n = await s.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, cts.Token);
                    if (n == 0) return;
                    total += n;
                    if (Encoding.ASCII.GetString(buffer, 0, total).Contains("\r\n\r\n", StringComparison.Ordinal)) break;
                }
                var body = Encoding.UTF8.GetBytes(Name);
                var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                await s.SendAsync(head.Concat(body).ToArray(), SocketFlags.None, cts.Token);
                Interlocked.Increment(ref _served);
                s.Shutdown(SocketShutdown.Send);
                // Wait for the client's close so the connection ends cleanly both ways.
                while (await s.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // client gone
            }
        }
    }

    /// <summary>One GET with a fresh connection from a socket in <paramref name="sockets"/>' namespace; returns status code and body.</summary>
    public static async Task<(int Status, string Body)> GetAsync(NetnsSockets sockets, IPEndPoint target, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        using var s = sockets.Tcp();
        await s.ConnectAsync(target, cts.Token);
        await s.SendAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n"), SocketFlags.None, cts.Token);
        var answer = new MemoryStream();
        var buffer = new byte[8192];
        int n;
        while ((n = await s.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0) answer.Write(buffer, 0, n);
        var text = Encoding.UTF8.GetString(answer.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (!text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || split < 0) throw new IOException($"not an HTTP answer: '{text}'");
        return (int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture), text[(split + 4)..]);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _stop.Dispose();
    }
}
