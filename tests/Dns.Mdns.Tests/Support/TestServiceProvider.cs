using Microsoft.Extensions.DependencyInjection;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>
/// Resolves the singletons a plugin registers (instances and factories), enough to check what
/// ConfigureServices wires up; the repo's central package list has no concrete DI container for tests.
/// </summary>
public sealed class TestServiceProvider(IServiceCollection services) : IServiceProvider, IDisposable
{
    private readonly Dictionary<ServiceDescriptor, object> _made = [];

    public object? GetService(Type serviceType)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(IEnumerable<>))
        {
            var element = serviceType.GetGenericArguments()[0];
            var all = services.Where(d => d.ServiceType == element).Select(Make).ToArray();
            var array = Array.CreateInstance(element, all.Length);
            all.CopyTo(array, 0);
            return array;
        }
        var descriptor = services.LastOrDefault(d => d.ServiceType == serviceType);
        return descriptor is null ? null : Make(descriptor);
    }

    private object Make(ServiceDescriptor d)
    {
        if (_made.TryGetValue(d, out var made)) return made;
        made = d.ImplementationInstance ?? d.ImplementationFactory?.Invoke(this)
            ?? throw new NotSupportedException($"{d.ServiceType}: only instances and factories are supported here");
        _made[d] = made;
        return made;
    }

    public void Dispose()
    {
        foreach (var o in _made.Values.Distinct())
            if (o is IAsyncDisposable a) a.DisposeAsync().AsTask().GetAwaiter().GetResult();
            else if (o is IDisposable x && o != this) x.Dispose();
    }
}
