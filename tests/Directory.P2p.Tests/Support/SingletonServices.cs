using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Support;

/// <summary>
/// Resolves the singletons a plugin's <c>ConfigureServices</c> registered, the way a container
/// would (tests carry no DI implementation package). Loggers are null loggers.
/// </summary>
internal sealed class SingletonServices(IServiceCollection services) : IServiceProvider
{
    private readonly Dictionary<ServiceDescriptor, object> _created = [];

    public object? GetService(Type serviceType)
    {
        if (serviceType == typeof(ILoggerFactory)) return NullLoggerFactory.Instance;
        if (serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(ILogger<>))
            return Activator.CreateInstance(typeof(NullLogger<>).MakeGenericType(serviceType.GenericTypeArguments));
        if (serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(IEnumerable<>))
        {
            var element = serviceType.GenericTypeArguments[0];
            var all = services.Where(d => d.ServiceType == element).Select(Resolve).ToArray();
            var array = Array.CreateInstance(element, all.Length);
            all.CopyTo(array, 0);
            return array;
        }
        var descriptor = services.LastOrDefault(d => d.ServiceType == serviceType);
        return descriptor is null ? null : Resolve(descriptor);
    }

    public IReadOnlyList<T> GetAll<T>() => [.. services.Where(d => d.ServiceType == typeof(T)).Select(d => (T)Resolve(d))];

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
