using System.Net;
using System.Net.Sockets;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>
/// A backend "pod": a TCP server inside a namespace on an endpoint IP that reads one request,
/// answers it and closes. Subclasses say when a request is complete and what the answer is.
/// </summary>
internal abstract class PodBackend(NetnsSockets sockets, IPEndPoint endpoint, string name) : TcpBackend(sockets, endpoint, name, backlog: 512)
{
    private int _served;

    /// <summary>Requests answered.</summary>
    public int Served => Volatile.Read(ref _served);

    /// <summary>True once <paramref name="received"/> holds a whole request.</summary>
    protected abstract bool IsComplete(ReadOnlySpan<byte> received);

    /// <summary>The answer to <paramref name="request"/>; null: the client closed before a whole request, answer nothing.</summary>
    protected abstract byte[]? Answer(ReadOnlySpan<byte> request, bool complete);

    /// <summary>Wait for the client's close after answering (so the connection ends cleanly both ways).</summary>
    protected virtual bool AwaitClientClose => false;

    /// <summary>How long to wait before answering <paramref name="request"/> (a slow pod).</summary>
    protected virtual TimeSpan Delay(ReadOnlySpan<byte> request) => TimeSpan.Zero;

    protected override async Task ServeAsync(Socket s, CancellationToken stop)
    {
        using (s)
        {
            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
                cts.CancelAfter(TimeSpan.FromSeconds(30));
                var buffer = new byte[8192];
                var total = 0;
                var complete = false;
                while (total < buffer.Length && !complete)
                {
                    var n = await s.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, cts.Token);
                    if (n == 0) break;
                    total += n;
                    complete = IsComplete(buffer.AsSpan(0, total));
                }
                if (Answer(buffer.AsSpan(0, total), complete) is not { } answer) return;
                if (Delay(buffer.AsSpan(0, total)) is { } delay && delay > TimeSpan.Zero) await Task.Delay(delay, cts.Token);
                await s.SendAsync(answer, SocketFlags.None, cts.Token);
                Interlocked.Increment(ref _served);
                s.Shutdown(SocketShutdown.Send);
                if (!AwaitClientClose) return;
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
}
