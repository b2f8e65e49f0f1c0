namespace PluginMesh.Abstractions.Catalog;

/// <summary>An immutable view of the whole catalog at one version.</summary>
/// <param name="Version">Increases by one with every applied change.</param>
/// <param name="Services">Services by key.</param>
/// <param name="Endpoints">Endpoints by service key (missing key = no endpoints).</param>
/// <param name="Nodes">Nodes by name.</param>
public sealed record CatalogSnapshot(
    long Version,
    IReadOnlyDictionary<ServiceKey, MeshService> Services,
    IReadOnlyDictionary<ServiceKey, ServiceEndpoints> Endpoints,
    IReadOnlyDictionary<string, MeshNode> Nodes)
{
    /// <summary>
    /// PeerIds the API binds to a node name (each Node's <see cref="MeshNode.Agent"/>): the strongest membership
    /// proof there is. Computed on each call; callers keep it per <see cref="Version"/>.
    /// </summary>
    public IReadOnlySet<PluginMesh.P2p.PeerId> BoundPeerIds()
    {
        var set = new HashSet<PluginMesh.P2p.PeerId>();
        foreach (var node in Nodes.Values)
        {
            if (node.Agent is { } agent) set.Add(agent.PeerId);
        }
        return set;
    }

    /// <summary>
    /// Objects of the kinds plugins asked for (<see cref="CatalogResourceType"/>) — Istio Gateways, TLS
    /// Secrets —, by key; empty when nobody asked or no source serves them.
    /// </summary>
    public IReadOnlyDictionary<ResourceKey, MeshResource> Resources { get; init; } = NoResources;

    private static readonly IReadOnlyDictionary<ResourceKey, MeshResource> NoResources = new Dictionary<ResourceKey, MeshResource>();

    /// <summary>The empty catalog.</summary>
    public static CatalogSnapshot Empty { get; } = new(0,
        new Dictionary<ServiceKey, MeshService>(), new Dictionary<ServiceKey, ServiceEndpoints>(), new Dictionary<string, MeshNode>());
}

/// <summary>
/// The read side of the service catalog: what DNS and the proxy consult.
/// </summary>
/// <remarks>
/// Thread-safe. <see cref="Current"/> is a lock-free read of an immutable snapshot; callers may keep
/// it as long as they like. <see cref="Changed"/> fires after a new snapshot is published, on the
/// thread that applied the change; handlers must be quick and must not throw (a throwing handler
/// is logged and does not stop the others).
/// </remarks>
public interface IServiceCatalog
{
    /// <summary>The latest snapshot.</summary>
    CatalogSnapshot Current { get; }

    /// <summary>Raised with the new snapshot after every change.</summary>
    event Action<CatalogSnapshot>? Changed;
}

/// <summary>Kinds of catalog object.</summary>
public enum CatalogObjectKind
{
    /// <summary><see cref="MeshService"/>.</summary>
    Service,
    /// <summary><see cref="ServiceEndpoints"/>.</summary>
    Endpoints,
    /// <summary><see cref="MeshNode"/>.</summary>
    Node,
    /// <summary><see cref="MeshResource"/> (key: <see cref="ResourceKey"/>'s text form).</summary>
    Resource,
}

/// <summary>One change from a catalog source.</summary>
/// <param name="Kind">What kind of object.</param>
/// <param name="Key">Service key (<c>ns/name</c>), node name, or a resource's <see cref="ResourceKey"/> text.</param>
/// <param name="Value">The new value, or null when deleted.</param>
public sealed record CatalogChange(CatalogObjectKind Kind, string Key, object? Value);

/// <summary>
/// Where catalog sources write. Implemented by the host. Thread-safe; each call is applied
/// atomically and produces one new snapshot.
/// </summary>
public interface ICatalogSink
{
    /// <summary>Applies incremental changes from <paramref name="source"/>.</summary>
    ValueTask ApplyAsync(string source, IReadOnlyList<CatalogChange> changes, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces everything <paramref name="source"/> contributed with <paramref name="state"/>
    /// (after a full list or file reload). Objects from other sources are untouched.
    /// </summary>
    ValueTask ReplaceAsync(string source, IReadOnlyList<CatalogChange> state, CancellationToken cancellationToken);
}

/// <summary>A source of catalog objects (Kubernetes, a file). Registered by plugins; reports its state for status.</summary>
/// <remarks>Thread-safe to read.</remarks>
public interface ICatalogSource
{
    /// <summary>Source name, e.g. <c>kubernetes</c>, <c>file</c>.</summary>
    string Name { get; }

    /// <summary>True once the first full state reached the sink (or the cache was served).</summary>
    bool Synced { get; }

    /// <summary>Last successful sync time, or null.</summary>
    DateTimeOffset? LastSync { get; }

    /// <summary>
    /// True while the source is in contact with its authority (the API server's watches are open, the
    /// file reads fine); false while it serves what it last knew (API unreachable, served from the
    /// cache). Other plugins use it to tell "the cloud says so" from "our last guess": e.g. a node
    /// silent for long is retired locally only while the API that could say otherwise is away.
    /// </summary>
    bool Connected { get; }

    /// <summary>Since when <see cref="Connected"/> has had its current value, or null before the first attempt.</summary>
    DateTimeOffset? ConnectedChangedAt { get; }
}
