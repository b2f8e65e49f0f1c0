namespace PluginMesh.Plugins.Catalog.Kubernetes;

/// <summary>Configuration key <c>istio</c>: whether Istio DestinationRules are read.</summary>
public enum IstioMode
{
    /// <summary><c>auto</c> (default): watch DestinationRules when the API serves them; a 404 is logged once at information level.</summary>
    Auto,
    /// <summary><c>true</c>: the same, but a cluster that does not serve them (404) is logged as a warning, since Istio was expected.</summary>
    Enabled,
    /// <summary><c>false</c>: never ask for DestinationRules.</summary>
    Disabled,
}
