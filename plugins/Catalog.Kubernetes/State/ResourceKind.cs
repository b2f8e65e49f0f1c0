namespace PluginMesh.Plugins.Catalog.Kubernetes.State;

/// <summary>The API resources the catalog is built from.</summary>
public enum ResourceKind
{
    /// <summary>core/v1 Services.</summary>
    Services,
    /// <summary>discovery.k8s.io/v1 EndpointSlices.</summary>
    EndpointSlices,
    /// <summary>core/v1 Endpoints, used when EndpointSlices are not served.</summary>
    Endpoints,
    /// <summary>core/v1 Nodes.</summary>
    Nodes,
    /// <summary>networking.istio.io DestinationRules (v1, or v1beta1 where v1 is not served); optional.</summary>
    DestinationRules,
}
