using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Plugins;

namespace PluginMesh.TestSupport;

/// <summary>
/// One real plugin run the way the host runs it — <c>ConfigureServices</c>, then its hosted
/// services started in order and stopped in reverse on dispose — for a test of another plugin that
/// needs it (a catalog source on the real <c>cache.litedb</c> file). Singletons are resolved by a
/// minimal container, since tests carry no DI implementation package; loggers are null loggers.
/// </summary>
public sealed class PluginServices : IServiceProvider, IAsyncDisposable
{
    private readonly IServiceCollection _services;
    private readonly Dictionary<ServiceDescriptor, object> _created = [];
    private readonly Meter _meter;
    private readonly ActivitySource _activitySource;
    private readonly List<IHostedService> _started = [];

    private PluginServices(IServiceCollection services, Meter meter, ActivitySource activitySource)
    {
        _services = services;
        _meter = meter;
        _activitySource = activitySource;
    }

    /// <summary>Configures <paramref name="plugin"/> with <paramref name="section"/> and starts it.</summary>
    public static Task<PluginServices> StartAsync(IPluginMeshPlugin plugin, string dataDirectory, params (string Key, string? Value)[] section) =>
        StartAsync(plugin, dataDirectory, host: null, section);

    /// <summary>
    /// Configures <paramref name="plugin"/> with <paramref name="section"/> after <paramref name="host"/>
    /// registered what the host would provide (the catalog sink, policies, other plugins' services), and starts it.
    /// </summary>
    public static Task<PluginServices> StartAsync(IPluginMeshPlugin plugin, string dataDirectory, Action<IServiceCollection>? host,
        params (string Key, string? Value)[] section) =>
        StartAsync(plugin, new NodeSettings("test-node", dataDirectory, Path.Combine(dataDirectory, "policies")), host, section);

    /// <summary>As above, on the node <paramref name="node"/> (several agents' plugins in one test).</summary>
    public static async Task<PluginServices> StartAsync(IPluginMeshPlugin plugin, NodeSettings node, Action<IServiceCollection>? host,
        params (string Key, string? Value)[] section)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        ArgumentNullException.ThrowIfNull(node);
        var id = plugin.Descriptor.Id;
        var services = new ServiceCollection();
        host?.Invoke(services);
        var meter = new Meter("PluginMesh." + id + ".test." + Guid.NewGuid().ToString("N"));
        var activitySource = new ActivitySource("PluginMesh." + id);
        plugin.ConfigureServices(services, new PluginContext(id, DictionaryConfiguration.Of(section), node, meter, activitySource));
        var running = new PluginServices(services, meter, activitySource);
        foreach (var service in running.GetAll<IHostedService>())
        {
            try
            {
                await service.StartAsync(CancellationToken.None);
            }
            catch
            {
                await running.DisposeAsync();
                throw;
            }

            running._started.Add(service);
        }

        return running;
    }

    /// <summary>The registered <typeparamref name="T"/>; fails the test when there is none.</summary>
    public T Get<T>() where T : class =>
        GetService(typeof(T)) as T ?? throw new InvalidOperationException($"{typeof(T).Name} is not registered");

    /// <inheritdoc />
    public object? GetService(Type serviceType)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceType == typeof(ILoggerFactory)) return NullLoggerFactory.Instance;
        if (serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(ILogger<>))
            return Activator.CreateInstance(typeof(NullLogger<>).MakeGenericType(serviceType.GenericTypeArguments));
        if (serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(IEnumerable<>))
        {
            // GetServices<T>: every registration of T, in order.
            var element = serviceType.GenericTypeArguments[0];
            var all = _services.Where(d => d.ServiceType == element).Select(Resolve).ToArray();
            var array = Array.CreateInstance(element, all.Length);
            Array.Copy(all, array, all.Length);
            return array;
        }
        var descriptor = _services.LastOrDefault(d => d.ServiceType == serviceType);
        return descriptor is null ? null : Resolve(descriptor);
    }

    /// <summary>Stops what was started, last first, then releases the meter.</summary>
    public async ValueTask DisposeAsync()
    {
        for (var i = _started.Count - 1; i >= 0; i--) await _started[i].StopAsync(CancellationToken.None);
        _started.Clear();
        _meter.Dispose();
        _activitySource.Dispose();
    }

    private List<T> GetAll<T>() => [.. _services.Where(d => d.ServiceType == typeof(T)).Select(d => (T)Resolve(d))];

    private object Resolve(ServiceDescriptor descriptor)
    {
        if (_created.TryGetValue(descriptor, out var existing)) return existing;
        var created = descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(this)
            ?? throw new InvalidOperationException($"unsupported registration for {descriptor.ServiceType}");
        _created[descriptor] = created;
        return created;
    }
}
