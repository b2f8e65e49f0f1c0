using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>
/// A backend "pod" speaking just enough HTTP/1.1: reads the request head, answers 200 with its name
/// as the body and closes. Lives in a namespace on an endpoint IP; counts the requests it served.
/// </summary>
internal sealed class HttpBackend(NetnsSockets sockets, IPEndPoint endpoint, string name) : PodBackend(sockets, endpoint, name)
{
    protected override bool AwaitClientClose => true;

    protected override bool IsComplete(ReadOnlySpan<byte> received) => received.IndexOf("\r\n\r\n"u8) >= 0;

    protected override byte[]? Answer(ReadOnlySpan<byte> request, bool complete)
    {
        if (!complete) return null;
        var body = Encoding.UTF8.GetBytes(Name);
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        return [.. head, .. body];
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
}
