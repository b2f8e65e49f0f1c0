namespace PluginMesh.Plugins.Catalog.Kubernetes.State;

/// <summary>Cluster-wide collection paths of each <see cref="ResourceKind"/>.</summary>
public static class ResourcePaths
{
    /// <summary>DestinationRules at networking.istio.io/v1 (Istio 1.22 and later); tried first.</summary>
    public const string DestinationRulesV1 = "apis/networking.istio.io/v1/destinationrules";

    /// <summary>DestinationRules at networking.istio.io/v1beta1, for older Istio releases that do not serve v1.</summary>
    public const string DestinationRulesV1Beta1 = "apis/networking.istio.io/v1beta1/destinationrules";

    /// <summary>The list/watch path, relative to the API server root.</summary>
    public static string Of(ResourceKind kind) => kind switch
    {
        ResourceKind.Services => "api/v1/services",
        ResourceKind.EndpointSlices => "apis/discovery.k8s.io/v1/endpointslices",
        ResourceKind.Endpoints => "api/v1/endpoints",
        ResourceKind.Nodes => "api/v1/nodes",
        ResourceKind.DestinationRules => DestinationRulesV1,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown resource kind"),
    };

    /// <summary>Lower-case name used in metrics and status.</summary>
    public static string Name(ResourceKind kind) => kind switch
    {
        ResourceKind.Services => "services",
        ResourceKind.EndpointSlices => "endpointslices",
        ResourceKind.Endpoints => "endpoints",
        ResourceKind.Nodes => "nodes",
        ResourceKind.DestinationRules => "destinationrules",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown resource kind"),
    };
}
