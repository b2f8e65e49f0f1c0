using System.Collections.Concurrent;
using System.Net;

namespace PluginMesh.Host.Tests.Telemetry;

/// <summary>
/// A minimal OTLP/HTTP collector: accepts <c>POST /v1/metrics</c> and <c>/v1/traces</c> with
/// protobuf bodies and keeps them for inspection. Enough to prove the exporter reaches a collector.
/// </summary>
internal sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public OtlpReceiver(int port)
    {
        Port = port;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public ConcurrentQueue<(string Path, string ContentType, byte[] Body)> Received { get; } = new();

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var body = new MemoryStream();
            await ctx.Request.InputStream.CopyToAsync(body);
            Received.Enqueue((ctx.Request.Url!.AbsolutePath, ctx.Request.ContentType ?? "", body.ToArray()));
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/x-protobuf";
            ctx.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
