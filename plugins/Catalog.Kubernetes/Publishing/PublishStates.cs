namespace PluginMesh.Plugins.Catalog.Kubernetes.Publishing;

/// <summary>Values of <see cref="PublishStatus.State"/> and of the <c>outcome</c> tag of <c>pluginmesh.catalog.publish</c>.</summary>
public static class PublishStates
{
    /// <summary>Publishing is switched off, or there is no local peer to publish.</summary>
    public const string Off = "off";
    /// <summary>Nothing tried yet.</summary>
    public const string Pending = "pending";
    /// <summary>The Node carries the current values.</summary>
    public const string Published = "published";
    /// <summary>Read before the first patch: the Node already carried the current values (outcome only).</summary>
    public const string Unchanged = "unchanged";
    /// <summary>403: RBAC (or an admission policy) does not let this agent patch its Node.</summary>
    public const string Forbidden = "forbidden";
    /// <summary>405 or 501: the API takes no PATCH (KubeEdge's metaServer before it did).</summary>
    public const string Unsupported = "unsupported";
    /// <summary>The API could not be reached.</summary>
    public const string Offline = "offline";
    /// <summary>Any other answer (404: no Node of this name; 422; 5xx).</summary>
    public const string Failed = "failed";
}
