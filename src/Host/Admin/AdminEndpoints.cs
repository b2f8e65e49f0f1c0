using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Status;
using PluginMesh.Host.Configuration;

namespace PluginMesh.Host.Admin;

/// <summary>
/// The local admin endpoint: <c>/healthz</c>, <c>/readyz</c>, <c>/status</c>, <c>/metrics</c> when
/// <c>telemetry.prometheus.enabled</c> is true, and every plugin's <see cref="IAdminRoute"/> (e.g.
/// <c>/ping</c> from tunnel.libp2p). Loopback or a unix socket only.
/// </summary>
internal static class AdminEndpoints
{
    // A NaN or infinite figure (a rate over no time yet) is written as "NaN"/"Infinity", never a failed document.
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

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
        if (app.Services.GetRequiredService<HostSettings>().PrometheusEnabled) app.MapPrometheusScrapingEndpoint("/metrics");
        var taken = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["/healthz"] = "host", ["/readyz"] = "host", ["/status"] = "host", ["/metrics"] = "host" };
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PluginMesh.Host.Admin");
        foreach (var route in app.Services.GetServices<IAdminRoute>())
        {
            var owner = route.GetType().FullName ?? route.GetType().Name;
            if (!route.Path.StartsWith('/') || !taken.TryAdd(route.Path, owner))
                throw new PluginMeshException("host", "map admin routes", $"{owner} asks for '{route.Path}', which {(route.Path.StartsWith('/') ? "is taken by " + taken[route.Path] : "does not start with '/'")}");
            app.MapGet(route.Path, (HttpRequest request, CancellationToken ct) => AnswerAsync(route, request, logger, ct));
        }
    }

    private static async Task<IResult> AnswerAsync(IAdminRoute route, HttpRequest request, ILogger logger, CancellationToken cancellationToken)
    {
        var query = request.Query.ToDictionary(q => q.Key, q => q.Value.FirstOrDefault() ?? "", StringComparer.OrdinalIgnoreCase);
        try
        {
            var answer = await route.GetAsync(query, cancellationToken);
            return Results.Json(answer.Body, Json, statusCode: answer.StatusCode);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "admin route {Path} failed", route.Path);
            return Results.Json(new { error = $"{ex.GetType().Name}: {ex.Message}" }, Json, statusCode: StatusCodes.Status500InternalServerError);
        }
    }

}
