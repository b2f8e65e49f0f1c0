using PluginMesh.Deploy.Tests.Rendering;
using PluginMesh.Deploy.Tests.Support;
using static PluginMesh.Deploy.Tests.Support.Yaml;

namespace PluginMesh.Deploy.Tests;

/// <summary>
/// The essentials of deploy/manifests/pluginmesh.yaml, checked on the parsed objects (every YAML
/// document). No live cluster was used: nothing here was applied to an API server.
/// </summary>
[Trait("Category", "Deploy")]
public sealed class ManifestTests
{
    private static readonly List<Dictionary<string, object?>> Documents =
        YamlModel.LoadAll(File.ReadAllText(Repo.Manifests)).Select(d => Assert.IsType<Dictionary<string, object?>>(d)).ToList();

    private static Dictionary<string, object?> Kind(string kind) => Assert.Single(Documents, d => d["kind"] as string == kind);

    private static Dictionary<string, object?> PodSpec => Map(Kind("DaemonSet"), "spec.template.spec");

    private static Dictionary<string, object?> Container => Assert.IsType<Dictionary<string, object?>>(Assert.Single(List(PodSpec, "containers")));

    [Fact]
    public void EveryExpectedKindIsPresent_AndNamespacedObjectsShareOneNamespace()
    {
        Assert.Equal(
            ["ClusterRole", "ClusterRoleBinding", "ConfigMap", "ConfigMap", "DaemonSet", "ServiceAccount"],
            Documents.Select(d => Str(d, "kind")).Order(StringComparer.Ordinal));
        Assert.All(Documents, d => Assert.False(string.IsNullOrEmpty(Str(d, "apiVersion"))));
        var namespaced = Documents.Where(d => d["kind"] is not ("ClusterRole" or "ClusterRoleBinding")).ToList();
        Assert.All(namespaced, d => Assert.Equal("pluginmesh", Str(d, "metadata.namespace")));
    }

    [Fact]
    public void DaemonSet_UsesHostNetwork_AndIsNotPrivileged_ButHasNetAdmin()
    {
        Assert.Equal("apps/v1", Str(Kind("DaemonSet"), "apiVersion"));
        Assert.Equal(true, At(PodSpec, "hostNetwork"));
        Assert.Null(Get(PodSpec, "hostPID"));
        var security = Map(Container, "securityContext");
        Assert.Equal(false, At(security, "privileged"));
        Assert.Equal(false, At(security, "allowPrivilegeEscalation"));
        Assert.Equal(["ALL"], List(security, "capabilities.drop"));
        var added = List(security, "capabilities.add").Cast<string>().ToList();
        Assert.Contains("NET_ADMIN", added);
        // Nothing beyond what iptables (both backends), netlink and port 53 need.
        Assert.Subset(new HashSet<string>(["NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE"], StringComparer.Ordinal), added.ToHashSet(StringComparer.Ordinal));
        Assert.DoesNotContain("SYS_ADMIN", added);
    }

    [Fact]
    public void DaemonSet_SelectorMatchesTemplateLabels_AndTargetsEdgeNodes()
    {
        var selector = Map(Kind("DaemonSet"), "spec.selector.matchLabels");
        var labels = Map(Kind("DaemonSet"), "spec.template.metadata.labels");
        Assert.All(selector, kv => Assert.Equal(kv.Value, Get(labels, kv.Key)));
        var nodeSelector = Map(PodSpec, "nodeSelector");
        Assert.True(nodeSelector.TryGetValue("node-role.kubernetes.io/edge", out var edge), "nodeSelector must select edge nodes");
        // An empty string (KubeEdge's label value), not null: a null selector value is rejected by the API.
        Assert.Equal("", edge);
        Assert.NotEmpty(List(PodSpec, "tolerations"));
    }

    [Fact]
    public void Probes_HitTheAdminEndpointTheAgentServes_OnLoopback()
    {
        var config = AgentConfig();
        var listen = Str(config, "admin.listen");
        Assert.StartsWith("127.0.0.1:", listen, StringComparison.Ordinal);
        var port = long.Parse(listen["127.0.0.1:".Length..], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (probe, path) in new[] { ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz") })
        {
            var get = Map(Container, probe + ".httpGet");
            Assert.Equal(path, Str(get, "path"));
            Assert.Equal(port, At(get, "port"));
            // hostNetwork: the kubelet probes from the node's namespace, where the loopback listener is.
            Assert.Equal("127.0.0.1", Str(get, "host"));
        }
    }

    [Fact]
    public void Rbac_ReadsServicesEndpointsEndpointSlicesNodesAndIstioNetworking_AndPatchesOnlyNodes_NoSecrets()
    {
        var rules = List(Kind("ClusterRole"), "rules").Cast<Dictionary<string, object?>>().ToList();
        var granted = rules.SelectMany(r => List(r, "apiGroups").Cast<string>().SelectMany(g =>
                List(r, "resources").Cast<string>().SelectMany(res => List(r, "verbs").Cast<string>()
                    .Select(v => $"{v} {(g.Length == 0 ? res : $"{res}.{g}")}"))))
            .Order(StringComparer.Ordinal).ToList();
        string[] read = ["destinationrules.networking.istio.io", "endpoints", "endpointslices.discovery.k8s.io", "gateways.networking.istio.io", "nodes", "services",
            "virtualservices.networking.istio.io"];
        // Read what the catalog lists and watches; patch Nodes to publish the agent on its own (nothing else writes).
        Assert.Equal(read.SelectMany(r => new[] { "get " + r, "list " + r, "watch " + r }).Append("patch nodes").Order(StringComparer.Ordinal), granted);
        Assert.All(rules, r => Assert.Null(Get(r, "resourceNames")));
        Assert.Equal(true, At(Map(AgentConfig(), "plugins")["catalog.kubernetes"], "publish"));

        var binding = Kind("ClusterRoleBinding");
        Assert.Equal(Str(Kind("ClusterRole"), "metadata.name"), Str(binding, "roleRef.name"));
        var subject = Assert.IsType<Dictionary<string, object?>>(Assert.Single(List(binding, "subjects")));
        Assert.Equal("ServiceAccount", Str(subject, "kind"));
        Assert.Equal(Str(Kind("ServiceAccount"), "metadata.name"), Str(subject, "name"));
        Assert.Equal(Str(subject, "name"), Str(PodSpec, "serviceAccountName"));
    }

    [Fact]
    public void Policies_AreMountedAsADirectory_WithoutSubPath_WhereTheConfigPointsPoliciesDir()
    {
        var mounts = List(Container, "volumeMounts");
        Assert.All(mounts, m => Assert.Null(Get(m, "subPath")));
        var policies = Named(mounts, "policies");
        Assert.Equal(Str(AgentConfig(), "node.policiesDir"), Str(policies, "mountPath"));
        var volume = Named(List(PodSpec, "volumes"), "policies");
        var configMap = Str(volume, "configMap.name");
        Assert.Null(Get(Map(volume, "configMap"), "items"));
        var scripts = Map(ConfigMapNamed(configMap), "data");
        Assert.Equal(["endpoint.js", "failover.js", "relay-election.js", "relay-selection.js", "resync.js", "retire.js"], scripts.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Volumes_CoverConfigDataDirAndXtablesLock()
    {
        var mounts = List(Container, "volumeMounts");
        var volumes = List(PodSpec, "volumes");
        Assert.Equal("/var/lib/pluginmesh", Str(Named(mounts, "data"), "mountPath"));
        Assert.Equal("/var/lib/pluginmesh", Str(Named(volumes, "data"), "hostPath.path"));
        Assert.Equal(Str(AgentConfig(), "node.dataDir"), Str(Named(mounts, "data"), "mountPath"));
        Assert.Equal("/run/xtables.lock", Str(Named(volumes, "xtables-lock"), "hostPath.path"));
        Assert.Equal("FileOrCreate", Str(Named(volumes, "xtables-lock"), "hostPath.type"));
        Assert.Equal("/run/xtables.lock", Str(Named(mounts, "xtables-lock"), "mountPath"));

        // The --config argument names the file the config ConfigMap puts in its mount.
        var args = List(Container, "args").Cast<string>().ToList();
        Assert.Equal("up", args[0]);
        var configPath = args[args.IndexOf("--config") + 1];
        var mount = Named(mounts, "config");
        Assert.Equal(Path.GetDirectoryName(configPath), Str(mount, "mountPath"));
        var cm = ConfigMapNamed(Str(Named(volumes, "config"), "configMap.name"));
        Assert.True(Map(cm, "data").ContainsKey(Path.GetFileName(configPath)));
        // Every mount has a volume.
        Assert.All(mounts, m => Named(volumes, Str(m, "name")));
    }

    [Fact]
    public void PrivateNetwork_IsRequired_FromSecretPluginmeshPsk_AndNoKeyIsShipped()
    {
        // The agent gets the key file through the variable; the Secret is the operator's to create
        // (one key per mesh), so the file holds no Secret at all and the pod waits until it exists.
        Assert.DoesNotContain(Documents, d => d["kind"] as string == "Secret");
        var volume = Named(List(PodSpec, "volumes"), "psk");
        Assert.Equal("pluginmesh-psk", Str(volume, "secret.secretName"));
        Assert.Null(Get(Map(volume, "secret"), "optional"));
        var mount = Named(List(Container, "volumeMounts"), "psk");
        Assert.Equal(true, At(mount, "readOnly"));
        Assert.Equal(Str(mount, "mountPath") + "/swarm.key", Str(Named(List(Container, "env"), "PLUGINMESH__PLUGINS__TUNNEL_LIBP2P__PSKFILE"), "value"));
        Assert.Contains("create secret generic pluginmesh-psk --from-file=swarm.key", File.ReadAllText(Repo.Manifests), StringComparison.Ordinal);
    }

    [Fact]
    public void NodeName_ComesFromSpecNodeName()
    {
        var env = Named(List(Container, "env"), "PLUGINMESH__NODE__NAME");
        Assert.Equal("spec.nodeName", Str(env, "valueFrom.fieldRef.fieldPath"));
    }

    [Fact]
    public void Resources_HaveRequestsAndAMemoryLimit()
    {
        var resources = Map(Container, "resources");
        Assert.Equal("50m", Str(resources, "requests.cpu"));
        Assert.Equal("144Mi", Str(resources, "requests.memory"));
        Assert.Equal("256Mi", Str(resources, "limits.memory"));
    }

    [Fact]
    public void GracePeriod_IsAboveTheAgentsShutdownTimeout()
    {
        var shutdownMs = Assert.IsType<long>(At(AgentConfig(), "shutdownTimeoutMs"));
        var grace = Assert.IsType<long>(At(PodSpec, "terminationGracePeriodSeconds"));
        Assert.True(grace * 1000 > shutdownMs, $"terminationGracePeriodSeconds {grace} must exceed shutdownTimeoutMs {shutdownMs}");
    }

    [Fact]
    public void ConfigChecksumAnnotation_IsTheHashOfTheConfigText()
    {
        // Helm hashes the rendered config text; the ConfigMap's block scalar adds one final newline.
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(AgentConfigText().TrimEnd('\n'))));
        Assert.Equal(hash, Str(Map(Kind("DaemonSet"), "spec.template.metadata.annotations"), "checksum/config"));
    }

    internal static Dictionary<string, object?> AgentConfig() =>
        Assert.IsType<Dictionary<string, object?>>(YamlModel.Load(AgentConfigText()));

    internal static string AgentConfigText()
    {
        var volume = Named(List(PodSpec, "volumes"), "config");
        return Assert.IsType<string>(Map(ConfigMapNamed(Str(volume, "configMap.name")), "data")["pluginmesh.yaml"]);
    }

    private static Dictionary<string, object?> ConfigMapNamed(string name) =>
        Assert.Single(Documents, d => d["kind"] as string == "ConfigMap" && Str(d, "metadata.name") == name);
}
