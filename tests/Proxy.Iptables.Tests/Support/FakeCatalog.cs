using PluginMesh.Abstractions.Catalog;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>An <see cref="IServiceCatalog"/> the test publishes snapshots into (the host's catalog is not referenced here).</summary>
public sealed class FakeCatalog : IServiceCatalog
{
    private CatalogSnapshot _current = CatalogSnapshot.Empty;

    public CatalogSnapshot Current => Volatile.Read(ref _current);

    public event Action<CatalogSnapshot>? Changed;

    public void Publish(CatalogBuilder builder)
    {
        var snapshot = builder.Build(Current.Version + 1);
        Volatile.Write(ref _current, snapshot);
        Changed?.Invoke(snapshot);
    }
}
