namespace PluginMesh.Plugins.Catalog.Kubernetes.State;

/// <summary>Cluster-wide collection paths of each <see cref="ResourceKind"/>.</summary>
public static class ResourcePaths
{
    /// <summary>The list/watch path, relative to the API server root.</summary>
    public static string Of(ResourceKind kind) => kind switch
    {
        ResourceKind.Services => "api/v1/services",
        ResourceKind.EndpointSlices => "apis/discovery.k8s.io/v1/endpointslices",
        ResourceKind.Endpoints => "api/v1/endpoints",
        ResourceKind.Nodes => "api/v1/nodes",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown resource kind"),
    };

    /// <summary>Lower-case name used in metrics and status.</summary>
    public static string Name(ResourceKind kind) => kind switch
    {
        ResourceKind.Services => "services",
        ResourceKind.EndpointSlices => "endpointslices",
        ResourceKind.Endpoints => "endpoints",
        ResourceKind.Nodes => "nodes",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown resource kind"),
    };
}
