using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

/// <summary>
/// Resolves singletons from a service collection the way a container would, so tests can run
/// what <c>ConfigureServices</c> registered without a DI implementation package.
/// </summary>
internal sealed class TestServiceProvider(IServiceCollection services, ILogger<LiteDbStateCache> logger) : IServiceProvider
{
    private readonly Dictionary<ServiceDescriptor, object> _created = [];

    public object? GetService(Type serviceType)
    {
        if (serviceType == typeof(ILogger<LiteDbStateCache>)) return logger;
        var descriptor = services.LastOrDefault(d => d.ServiceType == serviceType);
        return descriptor is null ? null : Resolve(descriptor);
    }

    public IReadOnlyList<T> GetAll<T>() =>
        services.Where(d => d.ServiceType == typeof(T)).Select(d => (T)Resolve(d)).ToList();

    private object Resolve(ServiceDescriptor descriptor)
    {
        Assert.Equal(ServiceLifetime.Singleton, descriptor.Lifetime);
        if (_created.TryGetValue(descriptor, out var existing)) return existing;
        var created = descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(this)
            ?? throw new InvalidOperationException($"unsupported registration for {descriptor.ServiceType}");
        _created[descriptor] = created;
        return created;
    }
}
