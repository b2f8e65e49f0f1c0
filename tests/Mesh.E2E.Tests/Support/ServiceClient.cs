using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>A client "pod" connecting to a ClusterIP from a namespace.</summary>
internal static class ServiceClient
{
    /// <summary>Connects, sends one line, half-closes, reads the answer to the end. Throws on refusal, reset or timeout.</summary>
    public static async Task<string> AskAsync(NetnsSockets sockets, IPEndPoint target, string request, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        using var s = sockets.Tcp();
        await s.ConnectAsync(target, cts.Token);
        await s.SendAsync(Encoding.UTF8.GetBytes(request + "\n"), SocketFlags.None, cts.Token);
        s.Shutdown(SocketShutdown.Send);
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = await s.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0) answer.Write(buffer, 0, n);
        return Encoding.UTF8.GetString(answer.ToArray()).TrimEnd('\n');
    }

    /// <summary><see cref="AskAsync"/> until it answers (bounded), returning the answer and the attempts' last error otherwise.</summary>
    public static async Task<string> AskEventuallyAsync(NetnsSockets sockets, IPEndPoint target, string request, TimeSpan within, Func<string, bool>? accept = null)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Exception? last = null;
        string? lastAnswer = null;
        while (sw.Elapsed < within)
        {
            try
            {
                var answer = await AskAsync(sockets, target, request, TimeSpan.FromSeconds(5));
                if (accept is null || accept(answer)) return answer;
                lastAnswer = answer;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
            {
                last = ex;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"no accepted answer from {target} within {within.TotalSeconds:0} s; last answer: {lastAnswer ?? "none"}; last error: {last?.Message ?? "none"}");
    }
}
