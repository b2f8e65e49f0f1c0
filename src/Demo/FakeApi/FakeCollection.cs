namespace PluginMesh.Demo.FakeApi;

/// <summary>
/// One collection the fake can serve: a resource at one API version (<c>apis/networking.istio.io/v1beta1/gateways</c>),
/// stored in <paramref name="Storage"/> — shared by every version of the resource, as a real API server
/// keeps one storage per resource and converts between versions.
/// </summary>
/// <param name="Path">Cluster-wide collection path, e.g. <c>api/v1/secrets</c>.</param>
/// <param name="Storage">Key of the stored objects (the same for every version of one resource).</param>
/// <param name="Group">API group, empty for the core group.</param>
/// <param name="Version">API version, e.g. <c>v1</c>.</param>
/// <param name="Kind">Kind of its objects, e.g. <c>Gateway</c>.</param>
/// <param name="Plural">Plural resource name, e.g. <c>gateways</c>.</param>
/// <param name="Namespaced">True when also served under <c>namespaces/&lt;ns&gt;/</c>.</param>
public sealed record FakeCollection(string Path, string Storage, string Group, string Version, string Kind, string Plural, bool Namespaced)
{
    /// <summary><c>group/version</c>, or just the version for the core group.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    /// <summary>The cluster-wide collection path of <paramref name="plural"/> at <paramref name="group"/>/<paramref name="version"/>.</summary>
    public static string PathOf(string group, string version, string plural) =>
        group.Length == 0 ? $"api/{version}/{plural}" : $"apis/{group}/{version}/{plural}";

    /// <summary>
    /// The namespaced collection path (<c>api/v1/namespaces/NS/secrets</c>), or the cluster-wide one when
    /// <paramref name="ns"/> is null.
    /// </summary>
    public static string PathOf(string group, string version, string plural, string? ns) =>
        ns is null ? PathOf(group, version, plural)
        : group.Length == 0 ? $"api/{version}/namespaces/{ns}/{plural}" : $"apis/{group}/{version}/namespaces/{ns}/{plural}";

    /// <summary>
    /// Splits a namespaced collection path into the cluster-wide one and the namespace; any other path
    /// comes back as it is, with a null namespace.
    /// </summary>
    public static (string Collection, string? Namespace) Split(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var parts = path.Split('/');
        return parts switch
        {
            ["api", var v, "namespaces", var ns, var plural] => ($"api/{v}/{plural}", ns),
            ["apis", var g, var v, "namespaces", var ns, var plural] => ($"apis/{g}/{v}/{plural}", ns),
            _ => (path, null),
        };
    }
}
