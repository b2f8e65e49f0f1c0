using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PluginMesh.Abstractions.Status;

namespace PluginMesh.Abstractions.Catalog;

/// <summary>How a catalog source plugin registers its one source object.</summary>
public static class CatalogSourceRegistration
{
    /// <summary>
    /// Registers the source <paramref name="create"/> builds (once, on first use) as itself and as the
    /// <see cref="ICatalogSource"/>, <see cref="IStatusContributor"/> and <see cref="IHostedService"/>
    /// the host looks for: one instance behind all four.
    /// </summary>
    /// <param name="services">The plugin's service collection.</param>
    /// <param name="create">Builds the source; must not do I/O (the hosted service starts it).</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddCatalogSource<TSource>(this IServiceCollection services, Func<IServiceProvider, TSource> create)
        where TSource : class, ICatalogSource, IStatusContributor, IHostedService
    {
        services.AddSingleton(create);
        services.AddSingleton<ICatalogSource>(sp => sp.GetRequiredService<TSource>());
        services.AddSingleton<IStatusContributor>(sp => sp.GetRequiredService<TSource>());
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<TSource>());
        return services;
    }
}
