using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PluginMesh.Host.Configuration;

namespace PluginMesh.Host.Admin;

/// <summary>
/// The local admin endpoint: <c>/healthz</c>, <c>/readyz</c>, <c>/status</c>, <c>/ping</c>, and <c>/metrics</c> when
/// <c>telemetry.prometheus.enabled</c> is true. Loopback or a unix socket only.
/// </summary>
internal static class AdminEndpoints
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void Listen(IWebHostBuilder web, AdminListen listen) =>
        web.ConfigureKestrel(k =>
        {
            if (listen.UnixSocket is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(listen.UnixSocket)!);
                if (File.Exists(listen.UnixSocket)) File.Delete(listen.UnixSocket); // stale socket from a crash
                k.ListenUnixSocket(listen.UnixSocket);
            }
            else
            {
                k.Listen(listen.Tcp!);
            }
            k.AddServerHeader = false;
        });

    public static void Map(WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", (StatusService status) =>
            status.Ready ? Results.Text("ready\n") : Results.Text("starting\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/status", (StatusService status) => Results.Json(status.Build(), Json));
        app.MapGet("/ping", (string? target, int? count, IServiceProvider services, CancellationToken ct) => PingEndpoint.HandleAsync(target, count, services, ct));
        if (app.Services.GetRequiredService<HostSettings>().PrometheusEnabled) app.MapPrometheusScrapingEndpoint("/metrics");
    }

}
