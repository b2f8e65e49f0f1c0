using System.Text;
using PluginMesh.Deploy.Tests.Rendering;
using static PluginMesh.Deploy.Tests.Support.Yaml;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>
/// The agent exactly as the Helm chart's DaemonSet runs it with the chart's default values:
/// deploy/helm/pluginmesh rendered by the deploy tests' renderer like <c>helm install</c> into an
/// empty cluster (so the PSK Secret is generated once and shared by every agent of this install).
/// The pod's mounts are played by directories: the policies ConfigMap and the PSK Secret are written
/// once under <c>root</c>, the <c>data</c> hostPath is each agent's data directory, and every value
/// of the rendered <c>pluginmesh.yaml</c> and of the container's <c>env</c> that lies under a mount
/// path is moved there. <c>spec.nodeName</c> (the env's fieldRef) is the node's name.
/// What the test adds, and nothing else: the API server's address (KubeEdge's metaServer on the
/// node in the chart) and the admin endpoint on a unix socket in the data directory (the test reads
/// /status from outside the node's namespace; in the pod it is 127.0.0.1).
/// </summary>
internal sealed class ChartInstall
{
    private const string Release = "pluginmesh";
    private readonly string _config;
    private readonly List<(string Name, object? Value)> _env = [];
    private readonly List<(string MountPath, string Volume)> _mounts = [];
    private readonly string _policiesDir;
    private readonly string _pskDir;

    public ChartInstall(string root)
    {
        var rendered = new HelmChart(Path.Combine(RepoPaths.Root, "deploy", "helm", "pluginmesh")).Render(Release, Release, cluster: ClusterState.Empty());
        _config = Assert.IsType<string>(Map(rendered.Single("ConfigMap", Release + "-config"), "data")["pluginmesh.yaml"]);
        var container = List(rendered.Single("DaemonSet", Release), "spec.template.spec.containers").OfType<Dictionary<string, object?>>().Single();
        foreach (var e in List(container, "env").OfType<Dictionary<string, object?>>()) _env.Add((Str(e, "name"), Get(e, "value") ?? Get(e, "valueFrom")));
        foreach (var m in List(container, "volumeMounts").OfType<Dictionary<string, object?>>()) _mounts.Add((Str(m, "mountPath"), Str(m, "name")));
        _mounts.Sort((a, b) => b.MountPath.Length.CompareTo(a.MountPath.Length));

        _policiesDir = Path.Combine(root, "chart", "policies");
        Directory.CreateDirectory(_policiesDir);
        foreach (var (file, text) in Map(rendered.Single("ConfigMap", Release + "-policies"), "data")) File.WriteAllText(Path.Combine(_policiesDir, file), Assert.IsType<string>(text));
        _pskDir = Path.Combine(root, "chart", "psk");
        Directory.CreateDirectory(_pskDir);
        SwarmKey = Encoding.UTF8.GetString(Convert.FromBase64String(Assert.IsType<string>(Map(rendered.Single("Secret", Release + "-psk"), "data")["swarm.key"])));
        File.WriteAllText(Path.Combine(_pskDir, "swarm.key"), SwarmKey);
    }

    /// <summary>The generated PSK every agent of this install shares.</summary>
    public string SwarmKey { get; }

    /// <summary>The rendered <c>pluginmesh.yaml</c>, as the ConfigMap holds it.</summary>
    public string Config => _config;

    /// <summary>One node's agent, in <paramref name="netns"/>, with its own data directory.</summary>
    public AgentProcess Agent(string netns, string node, string dataDir, string apiServer)
    {
        var config = OnHost(_config, dataDir);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in _env)
        {
            env[name] = value switch
            {
                string s => OnHost(s, dataDir),
                Dictionary<string, object?> from when Get(Get(from, "fieldRef"), "fieldPath") as string == "spec.nodeName" => node,
                _ => throw new InvalidOperationException($"the chart's env {name} comes from something this test does not provide: {value}"),
            };
        }
        env["PLUGINMESH__PLUGINS__CATALOG_KUBERNETES__APISERVER"] = apiServer;
        env["PLUGINMESH__ADMIN__LISTEN"] = "unix:" + Path.Combine(dataDir, "admin.sock");
        // PLUGINMESH_E2E_LOGLEVEL=Debug: the agents log at that level (to read a failure's timeline).
        if (Environment.GetEnvironmentVariable("PLUGINMESH_E2E_LOGLEVEL") is { Length: > 0 } level) env["PLUGINMESH__LOGGING__LEVEL"] = level;
        return AgentProcess.WithConfig(netns, node, dataDir, config, env);
    }

    /// <summary>Moves every path under one of the pod's mounts to the directory playing that volume.</summary>
    private string OnHost(string text, string dataDir)
    {
        foreach (var (mountPath, volume) in _mounts)
        {
            var host = volume switch
            {
                "data" => dataDir,
                "policies" => _policiesDir,
                "psk" => _pskDir,
                "config" => dataDir, // AgentProcess writes pluginmesh.yaml there
                _ => null, // xtables-lock, tmp: the host's own, as in the pod
            };
            if (host is not null) text = text.Replace(mountPath, host, StringComparison.Ordinal);
        }
        return text;
    }
}
