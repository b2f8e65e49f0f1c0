using PluginMesh.Deploy.Tests.Rendering;
using PluginMesh.Deploy.Tests.Support;
using static PluginMesh.Deploy.Tests.Support.Yaml;

namespace PluginMesh.Deploy.Tests;

/// <summary>
/// The pluginmesh.yaml shipped in the ConfigMap, run through the real <c>pluginmesh config check</c>
/// (the Debug host built by the solution, with the plugins the build copies beside it, so every
/// plugin section is validated by its own plugin), with the environment the pod gives the agent.
/// </summary>
[Trait("Category", "Deploy")]
public sealed class ConfigCheckTests
{
    private static readonly HelmChart Chart = new(Repo.ChartDirectory);

    [Fact]
    public void ManifestConfig_PassesConfigCheck_WithEveryConfiguredPluginValidated()
    {
        var (code, output) = ConfigCheck(ManifestTests.AgentConfigText(), new Dictionary<string, string> { ["PLUGINMESH__NODE__NAME"] = "edge-1" });
        Assert.True(code == 0, output);
        Assert.Contains("node edge-1", output, StringComparison.Ordinal);
        // A section names a plugin; config check validated it only if that plugin loaded.
        foreach (var id in Map(ManifestTests.AgentConfig(), "plugins").Keys)
            Assert.Contains(id, output.Split("plugins:")[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void GeneratedPsk_IsAKeyTheAgentLoads_FromTheFileTheVariableNames()
    {
        var rendered = Chart.Render("pluginmesh", "pluginmesh", cluster: ClusterState.Empty());
        var swarmKey = PskSecretTests.KeyOf(rendered.Single("Secret", "pluginmesh-psk"));
        var (pskFile, _, _) = PskSecretTests.PskWiring(rendered);
        Assert.Equal("/etc/pluginmesh/psk/swarm.key", pskFile);

        // The pod hands the key to the agent only through that variable. `config check` does not open
        // the key file, so two checks: the rendered config with the variable set to the Secret's key
        // passes config check, and the tunnel plugin really loads the file the variable names: with
        // the generated key `p2p ping` gets as far as dialing (and fails there, nothing listens),
        // with a malformed one it stops at the key, naming the file.
        var dir = Directory.CreateTempSubdirectory("pm-deploy-psk-");
        try
        {
            var config = Path.Combine(dir.FullName, "pluginmesh.yaml");
            File.WriteAllText(config, Assert.IsType<string>(Map(rendered.Single("ConfigMap", "pluginmesh-config"), "data")["pluginmesh.yaml"]));
            var keyFile = Path.Combine(dir.FullName, "swarm.key");
            File.WriteAllText(keyFile, swarmKey);
            // As the chart's Secret volume mounts it (defaultMode 0400): a key others may read is warned about.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyFile, UnixFileMode.UserRead);
            var (code, output) = ConfigCheck(File.ReadAllText(config), Env(dir.FullName, keyFile));
            Assert.True(code == 0, output);

            (code, output) = Ping(config, Env(dir.FullName, keyFile));
            Assert.True(code != 0, output);
            Assert.Contains("refused", output, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("swarm key", output, StringComparison.Ordinal);
            Assert.DoesNotContain(keyFile, output, StringComparison.Ordinal);

            var malformed = Path.Combine(dir.FullName, "malformed.key");
            File.WriteAllText(malformed, "not a swarm key\n");
            (code, output) = Ping(config, Env(dir.FullName, malformed));
            Assert.True(code != 0, output);
            Assert.Contains(malformed, output, StringComparison.Ordinal);
            Assert.Contains("swarm key", output, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    private static (int Code, string Output) Ping(string config, Dictionary<string, string> env) =>
        ProcessRunner.Run("dotnet",
            [Repo.HostDll, "--config", config, "p2p", "ping", "/ip4/127.0.0.1/tcp/9/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA", "--count", "1"],
            env);

    private static Dictionary<string, string> Env(string dir, string keyFile) => new()
    {
        ["PLUGINMESH__NODE__NAME"] = "edge-1",
        ["PLUGINMESH__NODE__DATADIR"] = Path.Combine(dir, "data"),
        ["PLUGINMESH__PLUGINS__TUNNEL_LIBP2P__PSKFILE"] = keyFile,
    };

    [Fact]
    public void ABadPluginValue_IsRejectedByConfigCheck_NamingItsPath()
    {
        // Proves the check above is real: the same pipeline with one wrong value fails.
        var plugins = Map(Chart.DefaultValues(), "config.plugins");
        ((Dictionary<string, object?>)plugins["dns.mdns"]!)["listen"] = new List<object?> { "localhost:53" };
        var rendered = Chart.Render("pluginmesh", "pluginmesh", new Dictionary<string, object?> { ["config.plugins"] = plugins });
        var config = Assert.IsType<string>(Map(rendered.Single("ConfigMap", "pluginmesh-config"), "data")["pluginmesh.yaml"]);
        var (code, output) = ConfigCheck(config, new Dictionary<string, string> { ["PLUGINMESH__NODE__NAME"] = "edge-1" });
        Assert.True(code == 1, output);
        Assert.Contains("plugins.dns.mdns.listen[0]", output, StringComparison.Ordinal);
    }

    private static (int Code, string Output) ConfigCheck(string configText, Dictionary<string, string> env)
    {
        Assert.True(File.Exists(Repo.HostDll), $"{Repo.HostDll} is missing: build the host first (dotnet build src/Cli, or the solution)");
        var dir = Directory.CreateTempSubdirectory("pm-deploy-config-");
        try
        {
            var file = Path.Combine(dir.FullName, "pluginmesh.yaml");
            File.WriteAllText(file, configText);
            // No --plugins-dir: the host's own plugins/ folder, which its build fills from artifacts/plugins/Debug.
            return ProcessRunner.Run("dotnet", [Repo.HostDll, "config", "check", file], env);
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
