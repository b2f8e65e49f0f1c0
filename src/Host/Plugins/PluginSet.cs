using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PluginMesh.Host.Plugins;

/// <summary>Every plugin found, the enabled ones in start order, and the hosted services each registered.</summary>
internal sealed class PluginSet(IReadOnlyList<LoadedPlugin> all, IReadOnlyList<LoadedPlugin> ordered, IReadOnlyList<string> directories)
{
    private readonly Dictionary<LoadedPlugin, List<ServiceDescriptor>> _hosted = [];

    public IReadOnlyList<LoadedPlugin> All { get; } = all;

    public IReadOnlyList<LoadedPlugin> Ordered { get; } = ordered;

    public IReadOnlyList<string> Directories { get; } = directories;

    public IReadOnlyList<ServiceDescriptor> HostedServices(LoadedPlugin plugin) =>
        _hosted.TryGetValue(plugin, out var list) ? list : [];

    /// <summary>
    /// Lets <paramref name="plugin"/> register its services, then takes its hosted services out of the
    /// container so that <see cref="PluginRuntime"/> starts them in dependency order, not registration order.
    /// </summary>
    public void Register(LoadedPlugin plugin, IServiceCollection services, Action<IServiceCollection> configure)
    {
        var before = services.Count;
        configure(services);
        var added = new List<ServiceDescriptor>();
        for (var i = services.Count - 1; i >= before; i--)
        {
            if (services[i].ServiceType != typeof(IHostedService)) continue;
            added.Insert(0, services[i]);
            services.RemoveAt(i);
        }
        _hosted[plugin] = added;
    }
}
