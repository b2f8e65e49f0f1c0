using PluginMesh.Abstractions.Cache;

namespace PluginMesh.Plugins.Catalog.File;

/// <summary>
/// Entry type of <c>catalog.file</c>: services, endpoints and nodes from a hot-reloaded YAML
/// file, for installs without Kubernetes, for tests and for the demo.
/// </summary>
public sealed class CatalogFilePlugin() : PluginMeshPlugin<FileCatalogOptions>(
    PluginId,
    "Service catalog from a hot-reloaded YAML file",
    provides: [Capabilities.CatalogSource],
    uses: [Capabilities.Cache])
{
    /// <summary>The plugin id and configuration section name.</summary>
    public const string PluginId = "catalog.file";

    /// <inheritdoc />
    protected override FileCatalogOptions ReadOptions(IConfiguration section, string? dataDirectory, Action<string, string> error) =>
        FileCatalogOptions.Read(section, error);

    /// <inheritdoc />
    protected override void AddServices(IServiceCollection services, PluginContext context, FileCatalogOptions options)
    {
        // The file is not touched here: the hosted service reads it at start.
        services.AddCatalogSource(sp => new FileCatalogSource(
            options,
            sp.GetRequiredService<ICatalogSink>(),
            sp.GetService<ICatalogCache>(),
            sp.GetRequiredService<ILogger<FileCatalogSource>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            context.Meter,
            // Registered by other plugins (gateway.istio: Gateways, VirtualServices, TLS Secrets); read once, here.
            sp.GetServices<CatalogResourceType>()));
    }
}
