using PluginMesh.Abstractions.Catalog;

namespace PluginMesh.Abstractions.Cache;

/// <summary>How catalog sources read the cache: best effort, as <see cref="ICatalogCache"/> asks.</summary>
public static class CatalogCacheExtensions
{
    /// <summary>
    /// What <paramref name="cache"/> holds for <paramref name="source"/>; empty without a cache, when
    /// nothing is stored, or when the read failed — then <paramref name="failed"/> is told (to log it)
    /// and the source carries on without the cache.
    /// </summary>
    public static IReadOnlyList<CatalogChange> RestoreOrEmpty(this ICatalogCache? cache, string source, Action<Exception> failed)
    {
        ArgumentNullException.ThrowIfNull(failed);
        if (cache is null) return [];
        try
        {
            return cache.Restore(source);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failed(ex);
            return [];
        }
    }
}
