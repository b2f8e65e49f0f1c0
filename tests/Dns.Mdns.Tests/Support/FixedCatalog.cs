using PluginMesh.Abstractions.Catalog;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>The smallest real <see cref="IServiceCatalog"/>: a snapshot the test replaces, raising <see cref="Changed"/> like the host's store.</summary>
public sealed class FixedCatalog(CatalogSnapshot initial) : IServiceCatalog
{
    private CatalogSnapshot _current = initial;

    public CatalogSnapshot Current => Volatile.Read(ref _current);

    public event Action<CatalogSnapshot>? Changed;

    /// <summary>Publishes <paramref name="snapshot"/> and raises <see cref="Changed"/> on the calling thread.</summary>
    public void Publish(CatalogSnapshot snapshot)
    {
        Volatile.Write(ref _current, snapshot);
        Changed?.Invoke(snapshot);
    }
}
