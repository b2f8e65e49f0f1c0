namespace PluginMesh.Plugins.Gateway.Istio.Config;

/// <summary>The object kinds the gateway reads from the catalog, and how their keys look.</summary>
internal static class IstioResources
{
    /// <summary>Istio's networking API group.</summary>
    public const string NetworkingGroup = "networking.istio.io";

    /// <summary>Kind of an Istio Gateway.</summary>
    public const string GatewayKind = "Gateway";

    /// <summary>Kind of an Istio VirtualService.</summary>
    public const string VirtualServiceKind = "VirtualService";

    /// <summary>Kind of a Secret (core group).</summary>
    public const string SecretKind = "Secret";

    private static readonly string[] IstioVersions = ["v1", "v1beta1", "v1alpha3"];

    /// <summary>See <see cref="GatewayConfigBuilder.ResourceTypes"/>.</summary>
    public static IReadOnlyList<CatalogResourceType> Types(string? secretNamespace) =>
    [
        new(NetworkingGroup, GatewayKind, "gateways", IstioVersions),
        new(NetworkingGroup, VirtualServiceKind, "virtualservices", IstioVersions),
        new("", SecretKind, "secrets", ["v1"], FieldSelector: "type=kubernetes.io/tls", Namespace: secretNamespace),
    ];

    /// <summary>The object's namespace (<c>default</c> when the key has none) and name, as <c>namespace/name</c>.</summary>
    public static string Id(ResourceKey key) => $"{Namespace(key)}/{key.Name}";

    /// <summary>The object's namespace, <c>default</c> when the key has none.</summary>
    public static string Namespace(ResourceKey key) => key.Namespace.Length == 0 ? "default" : key.Namespace;
}
