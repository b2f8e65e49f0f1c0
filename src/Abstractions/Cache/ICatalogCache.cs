using PluginMesh.Abstractions.Catalog;

namespace PluginMesh.Abstractions.Cache;

/// <summary>
/// What each catalog source last published, kept on disk so that an agent restarted with its source
/// out of reach (API server gone, catalog file broken) serves the last known catalog at once.
/// Provided by the cache plugin (capability <see cref="Plugins.Capabilities.Cache"/>); catalog
/// sources resolve it optionally and keep no persistence of their own without it.
/// </summary>
/// <remarks>
/// <para>
/// The values are the ones a source hands <see cref="ICatalogSink"/>: <see cref="CatalogChange"/>
/// with a <see cref="MeshService"/>, <see cref="ServiceEndpoints"/>, <see cref="MeshNode"/> or <see cref="MeshResource"/>, or
/// null for a deletion in <see cref="ApplyAsync"/>. Sources are kept apart by name (<c>file</c>,
/// <c>kubernetes</c>): one never reads or overwrites another's objects. A source name starts with an
/// ASCII letter and holds only ASCII letters, digits and <c>_</c>, at most 42 of them (so that
/// <c>&lt;source&gt;_catalog_endpoints</c> is a valid <see cref="IStateCache"/> collection name);
/// another is a <see cref="Plugins.PluginMeshException"/>.
/// </para>
/// <para>
/// Thread-safe. Writes are durable when their task completes. <see cref="ReplaceAsync"/> replaces
/// services, endpoints and nodes one kind at a time, each atomically, so a crash in the middle can
/// leave newer services beside older endpoints; a restored state is a best-effort start that the
/// source's next full read replaces. Cancellation is honoured before each write starts; a started
/// write completes.
/// </para>
/// <para>
/// Errors: a read or write the storage cannot do throws <see cref="Plugins.PluginMeshException"/>
/// naming the cache plugin; callers treat the cache as best effort (log and carry on), because the
/// live source stays the truth. An object stored by another version or edited by hand that no longer
/// makes a valid value (bad address, unknown protocol) is skipped by <see cref="Restore"/>, never
/// fatal for the rest.
/// </para>
/// </remarks>
public interface ICatalogCache
{
    /// <summary>
    /// Everything stored for <paramref name="source"/> as a full state (services, then endpoints,
    /// then nodes, then resources, each ordered by key); empty when nothing is stored.
    /// </summary>
    IReadOnlyList<CatalogChange> Restore(string source);

    /// <summary>
    /// Replaces everything stored for <paramref name="source"/> with <paramref name="state"/>, after
    /// a full list or a file load. Changes whose value is not a catalog object are ignored.
    /// </summary>
    ValueTask ReplaceAsync(string source, IReadOnlyList<CatalogChange> state, CancellationToken cancellationToken);

    /// <summary>
    /// Applies incremental changes in order: a value is stored under its kind and key, a null value
    /// deletes that key. Changes whose value does not match their kind are ignored.
    /// </summary>
    ValueTask ApplyAsync(string source, IReadOnlyList<CatalogChange> changes, CancellationToken cancellationToken);
}
