namespace PluginMesh.Deploy.Tests.Rendering;

/// <summary>
/// A chart directory rendered like <c>helm template</c>: values.yaml merged with overrides, every
/// templates/*.yaml rendered (files starting with '_' only contribute definitions), split into
/// documents and ordered the way Helm installs them (by kind, then name).
/// </summary>
public sealed class HelmChart(string directory)
{
    // Helm's InstallOrder (pkg/releaseutil/kind_sorter.go), the part that concerns this chart.
    private static readonly string[] InstallOrder =
    [
        "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
        "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
        "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList",
        "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList",
        "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
        "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
    ];

    public string Directory { get; } = directory;

    public Dictionary<string, object?> DefaultValues() =>
        (Dictionary<string, object?>)YamlModel.Load(File.ReadAllText(Path.Combine(Directory, "values.yaml")))!;

    /// <summary>Renders with the default values changed by <paramref name="overrides"/> (dotted paths, like --set).</summary>
    /// <param name="releaseName">The release name.</param>
    /// <param name="releaseNamespace">The release namespace.</param>
    /// <param name="overrides">Values to change, by dotted path.</param>
    /// <param name="cluster">
    /// What <c>lookup</c> finds: null renders like <c>helm template</c> (no cluster, every lookup
    /// empty); a <see cref="ClusterState"/> renders like <c>helm install</c>/<c>upgrade</c> against it.
    /// </param>
    public RenderedChart Render(string releaseName, string releaseNamespace, IReadOnlyDictionary<string, object?>? overrides = null, ClusterState? cluster = null)
    {
        var values = DefaultValues();
        foreach (var (path, value) in overrides ?? new Dictionary<string, object?>())
        {
            var keys = path.Split('.');
            var map = values;
            foreach (var key in keys[..^1]) map = (Dictionary<string, object?>)map[key]!;
            map[keys[^1]] = value;
        }
        var chartYaml = (Dictionary<string, object?>)YamlModel.Load(File.ReadAllText(Path.Combine(Directory, "Chart.yaml")))!;
        var root = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["Values"] = values,
            ["Release"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["Name"] = releaseName, ["Namespace"] = releaseNamespace, ["Service"] = "Helm", ["IsInstall"] = true, ["IsUpgrade"] = false,
            },
            ["Chart"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["Name"] = chartYaml["name"], ["Version"] = chartYaml["version"], ["AppVersion"] = chartYaml["appVersion"],
            },
            ["Files"] = new ChartFiles(Directory),
        };

        var engine = new TemplateEngine(cluster);
        var templates = System.IO.Directory.GetFiles(Path.Combine(Directory, "templates"))
            .Order(StringComparer.Ordinal)
            .ToDictionary(f => Path.GetFileName(f), f => TemplateLexer.Tokenize(File.ReadAllText(f)), StringComparer.Ordinal);
        foreach (var tokens in templates.Values) engine.AddDefinitions(tokens);

        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, tokens) in templates)
        {
            if (name.StartsWith('_')) continue;
            try
            {
                texts[name] = engine.Render(tokens, root);
            }
            catch (TemplateFailedException ex)
            {
                // Helm: "execution error at (<chart>/templates/<file>:<line>:<col>): <message>".
                throw new TemplateFailedException($"execution error at templates/{name}: {ex.Message}", ex);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"templates/{name}: {ex.Message}", ex);
            }
        }
        var documents = texts.Where(t => t.Key.EndsWith(".yaml", StringComparison.Ordinal))
            .SelectMany(t => YamlModel.LoadAll(t.Value))
            .Cast<Dictionary<string, object?>>()
            .ToList();
        return new RenderedChart(texts, SortForInstall(documents));
    }

    public static List<Dictionary<string, object?>> SortForInstall(IEnumerable<Dictionary<string, object?>> documents) =>
        documents.OrderBy(d => Array.IndexOf(InstallOrder, (string)d["kind"]!) is var k and >= 0 ? k : InstallOrder.Length)
            .ThenBy(d => (string)((Dictionary<string, object?>)d["metadata"]!)["name"]!, StringComparer.Ordinal)
            .ToList();
}
