using Microsoft.Extensions.DependencyInjection;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Status;

namespace PluginMesh.TestPlugins;

/// <summary>
/// Contributes admin routes: <c>/echo</c> (the query back), <c>/teapot</c> (418), <c>/boom</c> (throws),
/// and one more at the path its <c>extraPath</c> setting names (to try a path that is not free); and
/// two status sections that only fail as they are written out: <c>test.lazy</c> (a sequence that throws
/// when enumerated) and <c>test.nan</c> (a NaN figure).
/// </summary>
public sealed class RoutesPlugin : IPluginMeshPlugin
{
    public PluginDescriptor Descriptor { get; } = JournalPlugin.Make("test.routes", [], []);

    public void Validate(PluginValidationContext context)
    {
    }

    public void ConfigureServices(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IAdminRoute>(new Route("/echo", q => new(200, q)));
        services.AddSingleton<IAdminRoute>(new Route("/teapot", _ => new(418, new { error = "short and stout" })));
        services.AddSingleton<IAdminRoute>(new Route("/boom", _ => throw new InvalidOperationException("boom")));
        if (context.Configuration["extraPath"] is { } extra) services.AddSingleton<IAdminRoute>(new Route(extra, _ => new(200, "extra")));
        services.AddSingleton<IStatusContributor>(new StatusSection("test.lazy", () => new { items = Enumerable.Range(0, 2).Select(i => i < 1 ? i : throw new InvalidOperationException("changed while read")) }));
        services.AddSingleton<IStatusContributor>(new StatusSection("test.nan", () => new { rate = double.NaN }));
    }

    private sealed class StatusSection(string name, Func<object> value) : IStatusContributor
    {
        public string Section => name;

        public object GetStatus() => value();
    }

    private sealed class Route(string path, Func<IReadOnlyDictionary<string, string>, AdminRouteResult> answer) : IAdminRoute
    {
        public string Path => path;

        public ValueTask<AdminRouteResult> GetAsync(IReadOnlyDictionary<string, string> query, CancellationToken cancellationToken) => ValueTask.FromResult(answer(query));
    }
}
