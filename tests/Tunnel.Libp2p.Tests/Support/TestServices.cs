namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary>A minimal service provider: single instances by type, and IEnumerable&lt;T&gt; from a list.</summary>
internal sealed class TestServices : IServiceProvider
{
    private readonly Dictionary<Type, object> _single = [];
    private readonly Dictionary<Type, List<object>> _many = [];

    public TestServices Add<T>(T instance) where T : class
    {
        _single[typeof(T)] = instance;
        if (!_many.TryGetValue(typeof(T), out var list)) _many[typeof(T)] = list = [];
        list.Add(instance);
        return this;
    }

    public object? GetService(Type serviceType)
    {
        if (_single.TryGetValue(serviceType, out var one)) return one;
        if (serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(IEnumerable<>))
        {
            var element = serviceType.GetGenericArguments()[0];
            var items = _many.TryGetValue(element, out var list) ? list : [];
            var array = Array.CreateInstance(element, items.Count);
            for (var i = 0; i < items.Count; i++) array.SetValue(items[i], i);
            return array;
        }
        return null;
    }
}
