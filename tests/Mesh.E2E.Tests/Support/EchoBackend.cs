using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>
/// A backend "pod" that keeps connections open: every line it reads comes back as
/// <c>&lt;name&gt;: &lt;line&gt;</c>, until the client closes. Counts how its connections ended, so a
/// test can tell a reset (the proxy died) from a clean close.
/// </summary>
internal sealed class EchoBackend(NetnsSockets sockets, IPEndPoint endpoint, string name) : TcpBackend(sockets, endpoint, name, backlog: 64)
{
    private int _resets;
    private int _clean;

    /// <summary>Connections that ended with a reset from the other side.</summary>
    public int Resets => Volatile.Read(ref _resets);

    /// <summary>Connections that ended with a clean end of stream.</summary>
    public int CleanCloses => Volatile.Read(ref _clean);

    protected override async Task ServeAsync(Socket s, CancellationToken stop)
    {
        using (s)
        {
            var buffer = new byte[4096];
            var pending = new StringBuilder();
            try
            {
                while (true)
                {
                    var n = await s.ReceiveAsync(buffer, SocketFlags.None, stop);
                    if (n == 0)
                    {
                        Interlocked.Increment(ref _clean);
                        return;
                    }
                    pending.Append(Encoding.UTF8.GetString(buffer, 0, n));
                    int newline;
                    while ((newline = pending.ToString().IndexOf('\n', StringComparison.Ordinal)) >= 0)
                    {
                        var line = pending.ToString(0, newline);
                        pending.Remove(0, newline + 1);
                        await s.SendAsync(Encoding.UTF8.GetBytes($"{Name}: {line}\n"), SocketFlags.None, stop);
                    }
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                Interlocked.Increment(ref _resets);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // stopping, or another ending not counted
            }
        }
    }
}
