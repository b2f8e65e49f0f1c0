using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>A UDP echo "pod" in a namespace: every datagram goes back prefixed with its name.</summary>
internal sealed class UdpEcho : IDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();

    public UdpEcho(NetnsSockets sockets, IPEndPoint endpoint, string name)
    {
        _socket = sockets.Udp();
        _socket.Bind(endpoint);
        var prefix = Encoding.UTF8.GetBytes(name + ": ");
        _ = Task.Run(async () =>
        {
            var buffer = new byte[65535];
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                    await _socket.SendToAsync(prefix.Concat(buffer.Take(r.ReceivedBytes)).ToArray(), SocketFlags.None, r.RemoteEndPoint, _stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    if (_stop.IsCancellationRequested) return;
                }
            }
        });
    }

    /// <summary>Sends each message as one datagram and returns the answers in order (bounded wait per answer).</summary>
    public static async Task<List<string>> AskAsync(NetnsSockets sockets, IPEndPoint target, IEnumerable<string> messages)
    {
        using var s = sockets.Udp();
        await s.ConnectAsync(target);
        var answers = new List<string>();
        var buffer = new byte[65535];
        foreach (var m in messages)
        {
            await s.SendAsync(Encoding.UTF8.GetBytes(m));
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var n = await s.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            answers.Add(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return answers;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _stop.Dispose();
    }
}
