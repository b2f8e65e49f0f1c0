namespace PluginMesh.Abstractions.Catalog;

/// <summary>
/// A kind of cluster object a plugin needs in the catalog beyond services, endpoints and nodes — an
/// Istio <c>Gateway</c>, a <c>VirtualService</c>, a TLS <c>Secret</c>. A plugin registers one
/// instance per kind in its services (<c>services.AddSingleton(new CatalogResourceType(...))</c>);
/// catalog sources read every registered instance when they start and carry those objects as
/// <see cref="MeshResource"/> values (Kubernetes: listed and watched; file: a <c>resources:</c> list).
/// The catalog does not interpret them: the plugin that asked parses <see cref="MeshResource.Json"/>.
/// </summary>
/// <param name="Group">API group, empty for the core group (<c>networking.istio.io</c>, <c>""</c>).</param>
/// <param name="Kind">Object kind as written in manifests (<c>Gateway</c>, <c>Secret</c>).</param>
/// <param name="Plural">The resource's plural name in API paths (<c>gateways</c>, <c>secrets</c>).</param>
/// <param name="Versions">
/// Versions in order of preference (<c>v1</c>, <c>v1beta1</c>, <c>v1alpha3</c>): a source uses the first
/// one its authority serves. A kind served by none (a CRD not installed) is "not served", reported in
/// status and asked for again later — never an error that stops the source.
/// </param>
/// <param name="FieldSelector">
/// A Kubernetes field selector narrowing what is listed and watched (e.g. <c>type=kubernetes.io/tls</c>
/// for Secrets), or null for all objects of the kind.
/// </param>
/// <param name="Namespace">Only objects in this namespace, or null for every namespace (keep Secrets narrow: they are cached on the node).</param>
public sealed record CatalogResourceType(string Group, string Kind, string Plural, IReadOnlyList<string> Versions, string? FieldSelector = null, string? Namespace = null)
{
    /// <summary><c>Kind.group</c> (or just <c>Kind</c> for the core group): the text form used in keys, status and logs.</summary>
    public string Name => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    /// <summary>True when <paramref name="resource"/> is of this kind.</summary>
    public bool Matches(MeshResource resource) =>
        resource is not null && resource.Key.Group == Group && resource.Key.Kind == Kind;

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>Identity of a <see cref="MeshResource"/>: group, kind, namespace and name (namespace empty for cluster-scoped objects).</summary>
public sealed record ResourceKey(string Group, string Kind, string Namespace, string Name)
{
    /// <summary>The catalog key (<see cref="CatalogChange.Key"/>): <c>Kind.group/namespace/name</c>.</summary>
    public override string ToString() => $"{(Group.Length == 0 ? Kind : $"{Kind}.{Group}")}/{Namespace}/{Name}";
}

/// <summary>One cluster object of a kind some plugin asked for (<see cref="CatalogResourceType"/>).</summary>
/// <param name="Key">Group, kind, namespace and name.</param>
/// <param name="ApiVersion">The <c>apiVersion</c> it was read as (<c>networking.istio.io/v1beta1</c>, <c>v1</c>).</param>
/// <param name="Json">
/// The whole object as JSON text (apiVersion, kind, metadata, spec or data), as the authority gave it;
/// a file source converts its YAML to JSON. Value equality is by text.
/// </param>
public sealed record MeshResource(ResourceKey Key, string ApiVersion, string Json);
