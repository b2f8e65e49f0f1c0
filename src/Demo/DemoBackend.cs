using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PluginMesh.Demo;

/// <summary>
/// A sample backend "pod": a minimal HTTP/1.0 server that answers every request with the node it
/// runs on, so the demo can see which endpoint served each request.
/// </summary>
internal sealed class DemoBackend : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _served;

    /// <summary>Serves on <paramref name="endPoint"/> with <paramref name="socket"/> (made in the node's namespace, if any; owned from here on).</summary>
    public DemoBackend(string node, Socket socket, IPEndPoint endPoint)
    {
        Node = node;
        _listener = socket;
        try
        {
            _listener.Bind(endPoint);
            _listener.Listen(128);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public string Node { get; }

    public IPEndPoint EndPoint { get; }

    public long Served => Interlocked.Read(ref _served);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        try
        {
            var buffer = new byte[4096];
            var read = 0;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            while (read < buffer.Length)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(read), timeout.Token);
                if (n == 0) break;
                read += n;
                if (buffer.AsSpan(0, read).IndexOf("\r\n\r\n"u8) >= 0) break;
            }
            var body = $"served by {Node} ({EndPoint})\n";
            var response = $"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
            await socket.SendAsync(Encoding.UTF8.GetBytes(response), timeout.Token);
            Interlocked.Increment(ref _served);
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
            // The client went away; nothing to answer.
        }
    }

    /// <summary>Sends one HTTP GET to <paramref name="target"/> on a fresh connection; returns the node named in the answer.</summary>
    public static async Task<string> RequestAsync(Socket socket, IPEndPoint target, string host, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        using var _ = socket;
        socket.NoDelay = true;
        await socket.ConnectAsync(target, cts.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n"), cts.Token);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, cts.Token)) > 0) received.Write(buffer, 0, n);
        var text = Encoding.UTF8.GetString(received.ToArray());
        if (!text.StartsWith("HTTP/1.0 200", StringComparison.Ordinal)) throw new IOException(text.Length == 0 ? "connection closed without an answer" : $"unexpected answer: {text.Split('\n')[0].Trim()}");
        var at = text.IndexOf("served by ", StringComparison.Ordinal);
        return at < 0 ? "?" : text[(at + 10)..].Split(' ')[0];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
