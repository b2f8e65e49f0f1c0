using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>
/// A backend "pod": a TCP server inside a namespace on an endpoint IP that reads one request (up to
/// a newline or end of stream) and answers <c>&lt;name&gt;: &lt;request&gt;</c>, then closes. Counts connections.
/// </summary>
internal sealed class LineBackend : IDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private int _accepted;

    public LineBackend(NetnsSockets sockets, IPEndPoint endpoint, string name)
    {
        Name = name;
        _listener = sockets.Tcp();
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(endpoint);
        _listener.Listen(256);
        _ = AcceptAsync();
    }

    public string Name { get; }

    public int Accepted => Volatile.Read(ref _accepted);

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
            Interlocked.Increment(ref _accepted);
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
                var buffer = new byte[4096];
                var total = 0;
                while (total < buffer.Length)
                {
                    var n = await s.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, cts.Token);
                    if (n == 0) break;
                    total += n;
                    if (Array.IndexOf(buffer, (byte)'\n', 0, total) >= 0) break;
                }
                var request = Encoding.UTF8.GetString(buffer, 0, total).TrimEnd('\n');
                await s.SendAsync(Encoding.UTF8.GetBytes($"{Name}: {request}\n"), SocketFlags.None, cts.Token);
                s.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // client gone
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _stop.Dispose();
    }
}
