using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Status;

namespace PluginMesh.Plugins.Catalog.File;

/// <summary>
/// Entry type of <c>catalog.file</c>: services, endpoints and nodes from a hot-reloaded YAML
/// file, for installs without Kubernetes, for tests and for the demo.
/// </summary>
public sealed class CatalogFilePlugin : IPluginMeshPlugin
{
    /// <summary>The plugin id and configuration section name.</summary>
    public const string PluginId = "catalog.file";

    /// <inheritdoc />
    public PluginDescriptor Descriptor { get; } = new(
        PluginId,
        typeof(CatalogFilePlugin).Assembly.GetName().Version ?? new Version(0, 0),
        AbstractionsApi.Version,
        Provides: [Capabilities.CatalogSource],
        Requires: [],
        Uses: [Capabilities.Cache],
        "Service catalog from a hot-reloaded YAML file");

    /// <inheritdoc />
    public void Validate(PluginValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        FileCatalogOptions.Read(context.Section, context.Error);
    }

    /// <inheritdoc />
    public void ConfigureServices(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);

        var problems = new List<ConfigProblem>();
        var prefix = "plugins." + PluginId;
        var options = FileCatalogOptions.Read(context.Configuration,
            (key, message) => problems.Add(new ConfigProblem(ConfigPath.Join(prefix, key), message)));
        if (problems.Count > 0) throw new ConfigValidationException(problems);

        // The file is not touched here: the hosted service reads it at start.
        services.AddSingleton(sp => new FileCatalogSource(
            options,
            sp.GetRequiredService<ICatalogSink>(),
            sp.GetService<ICatalogCache>(),
            sp.GetRequiredService<ILogger<FileCatalogSource>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            context.Meter));
        services.AddSingleton<ICatalogSource>(sp => sp.GetRequiredService<FileCatalogSource>());
        services.AddSingleton<IStatusContributor>(sp => sp.GetRequiredService<FileCatalogSource>());
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<FileCatalogSource>());
    }
}
