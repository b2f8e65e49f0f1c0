namespace PluginMesh.Plugins.Catalog.Kubernetes;

/// <summary>Configuration of <c>catalog.kubernetes</c> (section <c>plugins:catalog.kubernetes</c>).</summary>
/// <param name="ApiServer">API server URL used when neither a kubeconfig nor in-cluster config is given.</param>
/// <param name="Kubeconfig">Kubeconfig file, or null.</param>
/// <param name="Context">Kubeconfig context, or null for the current one.</param>
/// <param name="InCluster">Use the pod's service account.</param>
/// <param name="ProxyName">Our proxy name for the service-proxy-name label filter.</param>
/// <param name="ProxyNameLabel">The label whose presence with another value skips a service.</param>
/// <param name="ConnectTimeout">TCP connect timeout; short so an unreachable API falls back to the cache quickly.</param>
/// <param name="RequestTimeout">Timeout of a list request.</param>
/// <param name="WatchTimeout">Server-side watch timeout; a watch is renewed from its resourceVersion after it.</param>
/// <param name="BackoffInitial">First delay before re-opening a failed watch.</param>
/// <param name="BackoffMax">Largest delay before re-opening a failed watch.</param>
/// <param name="Istio">Whether Istio DestinationRules are listed and watched (<c>istio: auto | true | false</c>).</param>
/// <param name="Publish">Whether this agent publishes itself (PeerId, addresses, relay offer) as annotations on its own Node.</param>
/// <param name="PublishInterval">At most one patch of the Node per this interval (changes in between are merged into the next).</param>
/// <param name="PublishBackoffMax">Largest pause before retrying a refused or failed publication (doubling from <paramref name="BackoffInitial"/>).</param>
public sealed record KubernetesCatalogOptions(
    Uri ApiServer,
    string? Kubeconfig,
    string? Context,
    bool InCluster,
    string ProxyName,
    string ProxyNameLabel,
    TimeSpan ConnectTimeout,
    TimeSpan RequestTimeout,
    TimeSpan WatchTimeout,
    TimeSpan BackoffInitial,
    TimeSpan BackoffMax,
    IstioMode Istio = IstioMode.Auto,
    bool Publish = true,
    TimeSpan? PublishInterval = null,
    TimeSpan? PublishBackoffMax = null)
{
    /// <summary>Default of <c>publishIntervalSeconds</c>.</summary>
    public const int DefaultPublishIntervalSeconds = 30;

    /// <summary>Default of <c>publishBackoffMaxSeconds</c>.</summary>
    public const int DefaultPublishBackoffMaxSeconds = 300;

    /// <summary>The interval in effect (<see cref="DefaultPublishIntervalSeconds"/> when not given).</summary>
    public TimeSpan PublishEvery => PublishInterval ?? TimeSpan.FromSeconds(DefaultPublishIntervalSeconds);

    /// <summary>The backoff cap in effect (<see cref="DefaultPublishBackoffMaxSeconds"/> when not given).</summary>
    public TimeSpan PublishRetryMax => PublishBackoffMax ?? TimeSpan.FromSeconds(DefaultPublishBackoffMaxSeconds);

    /// <summary>KubeEdge's metaServer on every edge node.</summary>
    public const string DefaultApiServer = "http://127.0.0.1:10550";

    /// <summary>EdgeMesh's label naming the proxy that should serve a service.</summary>
    public const string DefaultProxyNameLabel = "service.edgemesh.kubeedge.io/service-proxy-name";

    /// <summary>Default value of <c>proxyName</c>.</summary>
    public const string DefaultProxyName = "pluginmesh";

    private static readonly string[] Keys =
    [
        "apiServer", "kubeconfig", "context", "inCluster", "proxyName", "proxyNameLabel", "connectTimeoutSeconds",
        "requestTimeoutSeconds", "watchTimeoutSeconds", "backoffInitialMilliseconds", "backoffMaxSeconds", "istio",
        "publish", "publishIntervalSeconds", "publishBackoffMaxSeconds",
    ];

    /// <summary>Reads the section, reporting every problem through <paramref name="error"/> (key, message).</summary>
    /// <returns>The options; meaningful only when no problem was reported.</returns>
    public static KubernetesCatalogOptions Read(IConfiguration section, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(error);

        foreach (var child in section.GetChildren())
        {
            // `enabled` belongs to the host; anything else unknown is most likely a typo.
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase) && !string.Equals(child.Key, "enabled", StringComparison.OrdinalIgnoreCase))
                error(child.Key, $"unknown key; expected one of: {string.Join(", ", Keys)}");
        }

        var rawApi = section["apiServer"];
        var kubeconfig = section["kubeconfig"];
        var inCluster = ConfigValues.Bool(section, "inCluster", false, error);
        var sources = (rawApi is not null ? 1 : 0) + (kubeconfig is not null ? 1 : 0) + (inCluster ? 1 : 0);
        if (sources > 1) error("apiServer", "give only one of apiServer, kubeconfig, inCluster: true");

        var api = new Uri(DefaultApiServer);
        if (rawApi is not null &&
            (!Uri.TryCreate(rawApi, UriKind.Absolute, out api!) || (api.Scheme != Uri.UriSchemeHttp && api.Scheme != Uri.UriSchemeHttps)))
        {
            error("apiServer", $"'{rawApi}' is not an http:// or https:// URL");
            api = new Uri(DefaultApiServer);
        }

        if (kubeconfig is not null)
        {
            if (string.IsNullOrWhiteSpace(kubeconfig)) error("kubeconfig", "must not be empty");
            else
            {
                kubeconfig = Path.GetFullPath(kubeconfig);
                if (!File.Exists(kubeconfig)) error("kubeconfig", $"'{kubeconfig}' does not exist");
            }
        }

        var context = section["context"];
        if (context is not null && kubeconfig is null) error("context", "only meaningful with kubeconfig");

        var proxyName = section["proxyName"] ?? DefaultProxyName;
        if (proxyName.Length == 0) error("proxyName", "must not be empty");
        var label = section["proxyNameLabel"] ?? DefaultProxyNameLabel;
        if (label.Length == 0 || label.Length > 317 || label.Any(char.IsWhiteSpace)) error("proxyNameLabel", $"'{label}' is not a label name");

        return new KubernetesCatalogOptions(
            api, kubeconfig, context, inCluster, proxyName, label,
            TimeSpan.FromSeconds(ConfigValues.Int(section, "connectTimeoutSeconds", 5, 1, 300, error)),
            TimeSpan.FromSeconds(ConfigValues.Int(section, "requestTimeoutSeconds", 30, 1, 600, error)),
            TimeSpan.FromSeconds(ConfigValues.Int(section, "watchTimeoutSeconds", 300, 5, 3600, error)),
            TimeSpan.FromMilliseconds(ConfigValues.Int(section, "backoffInitialMilliseconds", 500, 1, 60000, error)),
            TimeSpan.FromSeconds(ConfigValues.Int(section, "backoffMaxSeconds", 30, 1, 600, error)),
            ReadIstio(section, error),
            ConfigValues.Bool(section, "publish", true, error),
            TimeSpan.FromSeconds(ConfigValues.Int(section, "publishIntervalSeconds", DefaultPublishIntervalSeconds, 1, 3600, error)),
            TimeSpan.FromSeconds(ConfigValues.Int(section, "publishBackoffMaxSeconds", DefaultPublishBackoffMaxSeconds, 1, 3600, error)));
    }

    private static IstioMode ReadIstio(IConfiguration section, Action<string, string> error)
    {
        var raw = section["istio"];
        if (raw is null) return IstioMode.Auto;
        switch (raw.Trim().ToLowerInvariant())
        {
            case "auto": return IstioMode.Auto;
            case "true": return IstioMode.Enabled;
            case "false": return IstioMode.Disabled;
            default:
                error("istio", $"'{raw}' is not auto, true or false");
                return IstioMode.Auto;
        }
    }
}
