namespace PluginMesh.Plugins.Catalog.Kubernetes.Resources;

/// <summary>One kind in the <c>resources</c> part of the <c>catalog.kubernetes</c> status.</summary>
/// <param name="Kind"><c>Kind.group</c>, e.g. <c>Gateway.networking.istio.io</c>, or <c>Secret</c>.</param>
/// <param name="Namespace">The namespace it is narrowed to, or null for all.</param>
/// <param name="FieldSelector">The field selector it is narrowed by, or null.</param>
/// <param name="State">
/// <c>unknown</c> (not asked yet), <c>watching</c>, <c>not-served</c> (404 for every version: its CRD is not
/// installed; asked again on every full list), <c>forbidden</c> (403: the RBAC role lacks it), <c>failed</c>
/// (another error; the objects known so far stay, asked again on the next full list).
/// </param>
/// <param name="ApiVersion">The apiVersion read while watching, else null.</param>
/// <param name="Count">Objects of the kind the catalog carries.</param>
/// <param name="Reason">Why the state is not <c>watching</c> (the API's answer), or null.</param>
public sealed record CatalogResourceStatus(string Kind, string? Namespace, string? FieldSelector, string State, string? ApiVersion, int Count, string? Reason);
