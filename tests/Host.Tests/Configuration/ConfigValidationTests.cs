using System.Collections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Configuration;
using PluginMesh.Host.Plugins;

namespace PluginMesh.Host.Tests.Configuration;

public sealed class ConfigValidationTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly string _plugins;

    public ConfigValidationTests() => _plugins = _tmp.Plugins("Good", "Dependent", "OldApi");

    public void Dispose() => _tmp.Dispose();

    private List<string> Check(string yaml, IDictionary? env = null)
    {
        var file = _tmp.File("config.yaml", yaml);
        var config = ConfigLoader.Load(file, env ?? new Hashtable());
        var problems = new List<ConfigProblem>(config.Problems);
        var settings = HostSettingsBinder.Bind(config.Root, problems);
        PluginComposer.Compose(config.Root, config.ExplicitPluginIds, settings.ProfilePlugins, new InstalledPlugins([_plugins], NullLogger.Instance), problems, NullLogger.Instance);
        return problems.Select(p => p.ToString()).ToList();
    }

    // Profile "none" keeps the real default plugins out of these tests; each row enables what it needs.
    [Theory]
    [InlineData("profile: none", "")]
    [InlineData("profile: none\nplugins:\n  test.good: {}", "")]
    [InlineData("profile: none\nbogus: 1", "bogus: unknown key; expected one of: node, profile, profiles, admin, telemetry, logging, policies, shutdownTimeoutMs, plugins")]
    [InlineData("profile: none\nnode:\n  nmae: x", "node.nmae: unknown key; expected one of: name, dataDir, policiesDir, pluginDirs, defaultPlugins")]
    [InlineData("profile: none\nnode:\n  name: Not_Valid", "node.name: 'Not_Valid' is not a valid node name")]
    [InlineData("profile: none\nnode:\n  dataDir: relative/dir", "node.dataDir: 'relative/dir' must be an absolute path")]
    [InlineData("profile: none\nnode:\n  pluginDirs: [relative/plugins]", "node.pluginDirs[0]: 'relative/plugins' must be an absolute path")]
    [InlineData("profile: none\nnode:\n  pluginDirs: relative/plugins", "node.pluginDirs: 'relative/plugins' must be an absolute path")]
    [InlineData("profile: none\nnode:\n  pluginDirs: [/opt/pluginmesh/plugins]\n  defaultPlugins: false", "")]
    [InlineData("profile: none\nnode:\n  defaultPlugins: sometimes", "node.defaultPlugins: 'sometimes' is not true or false")]
    [InlineData("profile: none\nadmin:\n  listen: 0.0.0.0:9464", "admin.listen: '0.0.0.0:9464' is not a loopback address")]
    [InlineData("profile: none\nadmin:\n  listen: localhost", "admin.listen: 'localhost' is not <loopback ip>:<port> or unix:<path>")]
    [InlineData("profile: none\nadmin:\n  listen: unix:relative.sock", "admin.listen: 'unix:relative.sock': the unix socket path must be absolute")]
    [InlineData("profile: none\ntelemetry:\n  otlp:\n    endpoint: ftp://x", "telemetry.otlp.endpoint: 'ftp://x' is not an http(s) URL")]
    [InlineData("profile: none\ntelemetry:\n  otlp:\n    protocol: udp", "telemetry.otlp.protocol: 'udp' is not one of http/protobuf, grpc")]
    [InlineData("profile: none\nlogging:\n  level: loud", "logging.level: 'loud' is not one of")]
    [InlineData("profile: none\nlogging:\n  format: xml", "logging.format: 'xml' is not one of text, json")]
    [InlineData("profile: none\npolicies:\n  timeLimitMs: 0", "policies.timeLimitMs: '0' is not a whole number from 1 to 10000")]
    [InlineData("profile: none\nshutdownTimeoutMs: soon", "shutdownTimeoutMs: 'soon' is not a whole number from 100 to 300000")]
    [InlineData("profile: fancy", "profile: unknown profile 'fancy'")]
    [InlineData("profile: none\nplugins:\n  no.such: {}", "plugins.no.such: no such plugin in")]
    [InlineData("profile: none\nplugins:\n  Bad_Id: {}", "plugins.Bad_Id: not a plugin id")]
    [InlineData("profile: none\nplugins:\n  test.good:\n    mustBePositive: -3", "plugins.test.good.mustBePositive: '-3' is not a positive number")]
    [InlineData("profile: none\nplugins:\n  test.good:\n    enabled: maybe", "plugins.test.good.enabled: 'maybe' is not true or false")]
    [InlineData("profile: none\nplugins:\n  test.oldapi: {}", "plugins.test.oldapi: cannot load")]
    [InlineData("profile: none\nplugins:\n  test.a-dependent: {}", "plugins.test.a-dependent: requires capability 'test.cap', which no enabled plugin provides")]
    [InlineData("profile: none\nnode: [a, b", "config.yaml:3:1: not valid YAML")]
    [InlineData("- a\n- b", "the top level must be a mapping")]
    public void Validate_Table(string yaml, string expected)
    {
        var problems = Check(yaml);
        if (expected.Length == 0) Assert.Empty(problems);
        else Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_CollectsEveryProblem_NotJustTheFirst()
    {
        var problems = Check("profile: none\nbogus: 1\nnode:\n  name: BAD\nadmin:\n  listen: 8.8.8.8:1\nplugins:\n  test.good:\n    mustBePositive: x");
        Assert.Equal(4, problems.Count);
    }

    [Fact]
    public void Validate_DisabledPlugin_IsNotLoadedOrChecked()
    {
        Assert.Empty(Check("profile: none\nplugins:\n  test.oldapi:\n    enabled: false"));
    }

    [Fact]
    public void Validate_BrokenPluginNotEnabled_IsOnlyAWarning()
    {
        Assert.Empty(Check("profile: none\nplugins:\n  test.good: {}"));
    }

    [Fact]
    public void Environment_OverridesFile_AndMapsUnderscoresInPluginIds()
    {
        var file = _tmp.File("env.yaml", "profile: none\nadmin:\n  listen: 127.0.0.1:1000\nplugins:\n  test.good:\n    mustBePositive: 5");
        var env = new Hashtable
        {
            ["PLUGINMESH__ADMIN__LISTEN"] = "127.0.0.1:2000",
            ["PLUGINMESH__PLUGINS__TEST_GOOD__MUSTBEPOSITIVE"] = "-1",
            ["OTHER__ADMIN__LISTEN"] = "ignored",
        };
        var config = ConfigLoader.Load(file, env);
        Assert.Equal("127.0.0.1:2000", config.Root["admin:listen"]);
        Assert.Equal("-1", config.Root["plugins:test.good:mustBePositive"]);
    }

    [Fact]
    public void Environment_CanEnableAPluginWithoutAFile()
    {
        var config = ConfigLoader.Load(_tmp.File("empty.yaml", "profile: none"), new Hashtable { ["PLUGINMESH__PLUGINS__TEST_GOOD__MUSTBEPOSITIVE"] = "2" });
        Assert.Contains("test.good", config.ExplicitPluginIds);
    }

    [Fact]
    public void Load_ExplicitMissingFile_IsAProblem_DefaultMissingFileIsNot()
    {
        Assert.Contains(ConfigLoader.Load(Path.Combine(_tmp.Path, "nope.yaml"), new Hashtable()).Problems, p => p.Message == "config file not found");
        Assert.DoesNotContain(ConfigLoader.Load(null, new Hashtable()).Problems, p => p.Message == "config file not found");
    }

    [Fact]
    public void Overlay_ListInFile_ReplacesWholeDefaultList()
    {
        var config = ConfigLoader.Load(_tmp.File("list.yaml", "profiles:\n  default: [test.good]"), new Hashtable());
        Assert.Equal(["test.good"], config.Root.GetSection("profiles:default").GetChildren().Select(c => c.Value));
    }

    // An explicit empty sequence clears the list below it; an empty mapping only marks its key as present.
    // Both reach the configuration as the key with neither value nor children.
    [Theory]
    [InlineData("profiles:\n  default: []", "profiles:default", "")]
    [InlineData("profiles: {default: []}", "profiles:default", "")]
    [InlineData("profiles:\n  default: {}", "profiles:default", "cache.litedb,tunnel.libp2p,tunnel.relay,directory.p2p,dns.mdns,proxy.iptables,catalog.kubernetes")]
    [InlineData("profiles:\n  minimal: []", "profiles:minimal", "")]
    [InlineData("profiles:\n  minimal: []", "profiles:default", "cache.litedb,tunnel.libp2p,tunnel.relay,directory.p2p,dns.mdns,proxy.iptables,catalog.kubernetes")]
    [InlineData("admin: {}", "admin", "127.0.0.1:9464")]
    [InlineData("plugins:\n  test.good: {}", "plugins", "")]
    [InlineData("plugins:\n  tunnel.libp2p:\n    autonat:\n      privateRanges: []", "plugins:tunnel.libp2p:autonat:privateRanges", "")]
    public void Overlay_EmptySequenceClears_EmptyMappingKeeps(string yaml, string key, string expectedLeaves)
    {
        var config = ConfigLoader.Load(_tmp.File("empty-collections.yaml", yaml), new Hashtable());
        Assert.Empty(config.Problems);
        var leaves = Leaves(config.Root.GetSection(key));
        Assert.Equal(expectedLeaves, string.Join(",", leaves));
        // Present either way: the parent lists the key, so "written as []" differs from "not written".
        IConfiguration parent = key.Contains(':', StringComparison.Ordinal) ? config.Root.GetSection(key[..key.LastIndexOf(':')]) : config.Root;
        Assert.Contains(parent.GetChildren(), c => c.Key == key.Split(':')[^1]);
    }

    [Fact]
    public void EmptyDefaultProfile_RunsNoProfilePlugins()
    {
        var config = ConfigLoader.Load(_tmp.File("no-profile-plugins.yaml", "profiles:\n  default: []"), new Hashtable());
        var problems = new List<ConfigProblem>(config.Problems);
        var settings = HostSettingsBinder.Bind(config.Root, problems);
        Assert.Empty(problems);
        Assert.Equal("default", settings.Profile);
        Assert.Empty(settings.ProfilePlugins);
    }

    [Theory]
    [InlineData("profile: none", 9464)]
    [InlineData("profile: none\nadmin:\n  listen: 127.0.0.1:9500", 9500)]
    [InlineData("profile: none\nadmin:\n  listen: unix:/run/pluginmesh.sock", null)]
    public void AdminPort_ReachesPlugins_SoTheTunnelNeverDialsIt(string yaml, int? port)
    {
        var config = ConfigLoader.Load(_tmp.File("admin-port.yaml", yaml), new Hashtable());
        var problems = new List<ConfigProblem>(config.Problems);
        Assert.Equal(port, HostSettingsBinder.Bind(config.Root, problems).Node.AdminPort);
        Assert.Empty(problems);
    }

    [Fact]
    public void EmptyUserProfile_IsAKnownProfile()
    {
        Assert.Empty(Check("profile: bare\nprofiles:\n  bare: []"));
        Assert.Contains(Check("profile: bare"), p => p.Contains("profile: unknown profile 'bare'", StringComparison.Ordinal));
    }

    [Fact]
    public void Overlay_EnvironmentIndex_StillReplacesTheWholeList()
    {
        var config = ConfigLoader.Load(_tmp.File("env-list.yaml", "profile: none"), new Hashtable { ["PLUGINMESH__PROFILES__DEFAULT__0"] = "test.good" });
        Assert.Equal(["test.good"], config.Root.GetSection("profiles:default").GetChildren().Select(c => c.Value));
    }

    private static IEnumerable<string> Leaves(IConfigurationSection section)
    {
        if (section.Value is not null) return [section.Value];
        return section.GetChildren().SelectMany(Leaves);
    }

    [Fact]
    public void EmbeddedDefaults_AreValidOnTheirOwn()
    {
        var config = ConfigLoader.Load(Path.Combine(_tmp.Path, "absent.yaml"), new Hashtable());
        var problems = new List<ConfigProblem>();
        HostSettingsBinder.Bind(config.Root, problems);
        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("a:b:0", "a.b[0]")]
    [InlineData("plugins:tunnel.libp2p:listen:2", "plugins.tunnel.libp2p.listen[2]")]
    [InlineData("", "")]
    public void ConfigPath_Formats(string key, string expected) => Assert.Equal(expected, ConfigPath.Format(key));
}
