using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>
/// A backend "pod" speaking just enough HTTP/1.1: reads the request head, answers 200 with its name
/// as the body and closes. Lives in a namespace on an endpoint IP; counts the requests it served.
/// Two paths misbehave on purpose: <c>/slow…</c> is answered after <see cref="SlowDelay"/>, and
/// <c>/flaky…</c> is answered 503 every other time, starting with the first (<see cref="FlakyRequests"/>
/// counts them).
/// </summary>
internal sealed class HttpBackend(NetnsSockets sockets, IPEndPoint endpoint, string name) : PodBackend(sockets, endpoint, name)
{
    public static readonly TimeSpan SlowDelay = TimeSpan.FromSeconds(3);

    private int _flaky;

    /// <summary>Requests for <c>/flaky…</c> received.</summary>
    public int FlakyRequests => Volatile.Read(ref _flaky);

    protected override bool AwaitClientClose => true;

    protected override bool IsComplete(ReadOnlySpan<byte> received) => received.IndexOf("\r\n\r\n"u8) >= 0;

    protected override TimeSpan Delay(ReadOnlySpan<byte> request) => PathStarts(request, "/slow"u8) ? SlowDelay : TimeSpan.Zero;

    protected override byte[]? Answer(ReadOnlySpan<byte> request, bool complete)
    {
        if (!complete) return null;
        var failed = PathStarts(request, "/flaky"u8) && Interlocked.Increment(ref _flaky) % 2 == 1;
        var body = Encoding.UTF8.GetBytes(failed ? "unavailable" : Name);
        var status = failed ? "503 Service Unavailable" : "200 OK";
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        return [.. head, .. body];
    }

    private static bool PathStarts(ReadOnlySpan<byte> request, ReadOnlySpan<byte> prefix)
    {
        var space = request.IndexOf((byte)' ');
        return space > 0 && request[(space + 1)..].StartsWith(prefix);
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
