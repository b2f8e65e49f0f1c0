using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Status;

namespace ServiceCounter;

/// <summary>
/// The plugin's entry type: the one public class of the assembly implementing
/// <see cref="IPluginMeshPlugin"/>, which is how the host finds it whatever its folder is called.
/// </summary>
public sealed class ServiceCounterPlugin : IPluginMeshPlugin
{
    // Constant for the life of the instance; the constructor does nothing else (no I/O).
    public PluginDescriptor Descriptor { get; } = new(
        Id: "stats.servicecounter",
        Version: new Version(0, 1, 0),
        ApiVersion: AbstractionsApi.Version,
        Provides: ["stats"],
        Requires: [],
        // Start after the catalog sources when they run, so the first count is a real one.
        Uses: [Capabilities.CatalogSource],
        Description: "Counts the services in the catalog: a status section and a gauge");

    public void Validate(PluginValidationContext context) => ServiceCounterOptions.Read(context.Section, context.Error);

    public void ConfigureServices(IServiceCollection services, PluginContext context)
    {
        // Validate ran first and reported any problem, so none can reach here.
        var options = ServiceCounterOptions.Read(context.Configuration, (key, message) =>
            throw new PluginMeshException(context.PluginId, "configure services", $"{key}: {message}"));
        services.AddSingleton(sp => new CatalogCounter(
            sp.GetRequiredService<IServiceCatalog>(), options, context.Meter, sp.GetRequiredService<ILogger<CatalogCounter>>()));
        services.AddSingleton<IStatusContributor>(sp => sp.GetRequiredService<CatalogCounter>());
        // The host starts a plugin's hosted services after those of the plugins it requires or uses.
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<CatalogCounter>());
    }
}
