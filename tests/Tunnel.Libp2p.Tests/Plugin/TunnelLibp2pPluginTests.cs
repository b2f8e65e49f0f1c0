using Microsoft.Extensions.DependencyInjection;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Plugin;

public sealed class TunnelLibp2pPluginTests
{
    [Fact]
    public void Descriptor_DeclaresCapabilities()
    {
        var d = new TunnelLibp2pPlugin().Descriptor;
        Assert.Equal("tunnel.libp2p", d.Id);
        Assert.Equal(["tunnel", "transport"], d.Provides);
        Assert.Equal(["cache"], d.Uses);
    }

    [Fact]
    public void Validate_BadListenEntries_ReportsEachWithItsIndex()
    {
        var section = new DictionaryConfiguration(new Dictionary<string, string?>
        {
            ["listen:0"] = "/ip4/0.0.0.0/tcp/4001",
            ["listen:1"] = "/ip4/300.1.1.1/tcp/1",
            ["listen:2"] = "nonsense",
            ["maxStreamWindowMiB"] = "0",
        });
        var problems = new List<ConfigProblem>();
        new TunnelLibp2pPlugin().Validate(new PluginValidationContext("tunnel.libp2p", section, "plugins.tunnel.libp2p", problems));
        Assert.Equal(3, problems.Count);
        Assert.Equal("plugins.tunnel.libp2p.listen[1]", problems[0].Path);
        Assert.StartsWith("not a multiaddr (multiaddr: /ip4 value '300.1.1.1'", problems[0].Message, StringComparison.Ordinal);
        Assert.Equal("plugins.tunnel.libp2p.listen[2]", problems[1].Path);
        Assert.StartsWith("not a multiaddr (", problems[1].Message, StringComparison.Ordinal);
        Assert.Equal("plugins.tunnel.libp2p.maxStreamWindowMiB", problems[2].Path);
    }

    [Fact]
    public void Validate_EmptySection_IsValid()
    {
        var problems = new List<ConfigProblem>();
        new TunnelLibp2pPlugin().Validate(new PluginValidationContext("tunnel.libp2p", new DictionaryConfiguration(new Dictionary<string, string?>()), "plugins.tunnel.libp2p", problems));
        Assert.Empty(problems);
    }

    [Fact]
    public void Validate_UnknownKeys_AreErrorsNamingTheFullPath_AtEveryLevel()
    {
        var problems = new List<ConfigProblem>();
        new TunnelLibp2pPlugin().Validate(new PluginValidationContext("tunnel.libp2p", new DictionaryConfiguration(new Dictionary<string, string?>
        {
            ["enabled"] = "true",       // the host's switch, accepted in every plugin section
            ["dialOnly"] = "false",
            ["holePunsh"] = "false",    // typo of holePunch
            ["autonat:enabled"] = "true",
            ["autonat:privateRange:0"] = "10.0.0.0/8", // typo of privateRanges
        }), "plugins.tunnel.libp2p", problems));

        Assert.Equal(["plugins.tunnel.libp2p.holePunsh", "plugins.tunnel.libp2p.autonat.privateRange"], problems.Select(p => p.Path));
        Assert.Equal("unknown key; expected one of: " + string.Join(", ", Libp2pOptions.Keys), problems[0].Message);
        Assert.StartsWith("unknown key; expected one of: listen, dialOnly, keyFile, pskFile, ", problems[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain("enabled", problems[0].Message, StringComparison.Ordinal);
        Assert.Equal(
            "unknown key; expected one of: enabled, intervalSeconds, peersPerRound, perPeerPerMinute, globalPerMinute, privateRanges, treatAsPublic",
            problems[1].Message);
    }

    [Fact]
    public void Validate_KeysAreMatchedIgnoringCase_LikeEnvironmentOverrides()
    {
        // PLUGINMESH__PLUGINS__TUNNEL_LIBP2P__DIALONLY=true arrives lower-cased.
        var problems = new List<ConfigProblem>();
        new TunnelLibp2pPlugin().Validate(new PluginValidationContext("tunnel.libp2p", new DictionaryConfiguration(new Dictionary<string, string?>
        {
            ["dialonly"] = "true",
            ["autonat:peersperround"] = "2",
        }), "plugins.tunnel.libp2p", problems));
        Assert.Empty(problems);
    }

    [Fact]
    public void Validate_AutonatThatIsNotAMapping_IsAnError()
    {
        var problems = new List<ConfigProblem>();
        new TunnelLibp2pPlugin().Validate(new PluginValidationContext("tunnel.libp2p", new DictionaryConfiguration(new Dictionary<string, string?>
        {
            ["autonat"] = "false",
        }), "plugins.tunnel.libp2p", problems));
        var problem = Assert.Single(problems);
        Assert.Equal("plugins.tunnel.libp2p.autonat", problem.Path);
        Assert.Contains("expected a mapping", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PrivateRanges_ExplicitlyEmpty_MeansNoPrivateRanges_AbsentMeansTheDefaults()
    {
        var problems = new List<string>();
        // privateRanges: [] reaches the plugin as a key without value or children.
        var empty = Libp2pOptions.Read(new DictionaryConfiguration(new Dictionary<string, string?> { ["autonat:privateRanges"] = null }), "/data", (k, m) => problems.Add(k + ": " + m));
        Assert.Empty(problems);
        Assert.Empty(empty.AutoNat.Ranges.PrivateRanges);
        Assert.False(empty.AutoNat.Ranges.IsPrivate(System.Net.IPAddress.Parse("10.1.2.3")));

        var absent = Libp2pOptions.Read(new DictionaryConfiguration(new Dictionary<string, string?> { ["autonat:enabled"] = "true" }), "/data", (k, m) => problems.Add(k + ": " + m));
        Assert.Empty(problems);
        Assert.Equal(PluginMesh.Plugins.Tunnel.Libp2p.AutoNat.AddressRanges.DefaultPrivate, absent.AutoNat.Ranges.PrivateRanges);
        Assert.True(absent.AutoNat.Ranges.IsPrivate(System.Net.IPAddress.Parse("10.1.2.3")));

        Libp2pOptions.Read(new DictionaryConfiguration(new Dictionary<string, string?> { ["autonat:privateRanges"] = "10.0.0.0/8" }), "/data", (k, m) => problems.Add(k + ": " + m));
        Assert.Equal("autonat:privateRanges: must be a list of CIDR networks, got the value '10.0.0.0/8'", Assert.Single(problems));
    }

    [Fact]
    public void DialOnly_OpensNoListener_AndRefusesListenBesideIt()
    {
        var none = new List<string>();
        var options = Libp2pOptions.Read(new DictionaryConfiguration(new Dictionary<string, string?> { ["dialOnly"] = "true" }), "/data", (k, m) => none.Add(k + ": " + m));
        Assert.Empty(none);
        Assert.True(options.DialOnly);
        Assert.Empty(options.Listen);

        var problems = new List<ConfigProblem>();
        new TunnelLibp2pPlugin().Validate(new PluginValidationContext("tunnel.libp2p", new DictionaryConfiguration(new Dictionary<string, string?>
        {
            ["dialOnly"] = "true",
            ["listen:0"] = "/ip4/0.0.0.0/tcp/4001",
        }), "plugins.tunnel.libp2p", problems));
        var problem = Assert.Single(problems);
        Assert.Equal("plugins.tunnel.libp2p.dialOnly", problem.Path);
        Assert.Contains("opens no listener", problem.Message, StringComparison.Ordinal);

        problems.Clear();
        new TunnelLibp2pPlugin().Validate(new PluginValidationContext("tunnel.libp2p", new DictionaryConfiguration(new Dictionary<string, string?> { ["dialOnly"] = "maybe" }), "plugins.tunnel.libp2p", problems));
        Assert.Equal("plugins.tunnel.libp2p.dialOnly", Assert.Single(problems).Path);
    }

    [Fact]
    public async Task EphemeralKey_AFreshIdentityPerNode_NoKeyFileWritten()
    {
        var dir = Directory.CreateTempSubdirectory("pm-ephemeral-").FullName;
        try
        {
            var section = new DictionaryConfiguration(new Dictionary<string, string?> { ["ephemeralKey"] = "true", ["dialOnly"] = "true", ["keyFile"] = "id.key" });
            var none = new List<string>();
            var options = Libp2pOptions.Read(section, dir, (k, m) => none.Add(k + ": " + m));
            Assert.Empty(none);
            Assert.True(options.EphemeralKey);
            await using var a = new Libp2pNodeService(options, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
            await using var b = new Libp2pNodeService(options, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
            await a.StartAsync(TestTimeout.Token());
            Assert.NotEqual(a.LocalPeer.PeerId, b.LocalPeer.PeerId);
            Assert.Equal(a.Host!.PeerId, a.LocalPeer.PeerId);
            Assert.Empty(Directory.GetFileSystemEntries(dir));

            var problems = new List<ConfigProblem>();
            new TunnelLibp2pPlugin().Validate(new PluginValidationContext("tunnel.libp2p", new DictionaryConfiguration(new Dictionary<string, string?> { ["ephemeralKey"] = "yes" }), "plugins.tunnel.libp2p", problems));
            Assert.Equal("plugins.tunnel.libp2p.ephemeralKey: must be true or false, got 'yes'", Assert.Single(problems).ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ConfigureServices_RegistersTunnelTransportAndHostedService()
    {
        var services = new ServiceCollection();
        var context = new PluginContext("tunnel.libp2p", new DictionaryConfiguration(new Dictionary<string, string?>()),
            new NodeSettings("n1", Path.GetTempPath(), Path.GetTempPath()), new System.Diagnostics.Metrics.Meter("t"), new System.Diagnostics.ActivitySource("t"));
        new TunnelLibp2pPlugin().ConfigureServices(services, context);
        Assert.Contains(services, s => s.ServiceType == typeof(IMeshTunnel));
        Assert.Contains(services, s => s.ServiceType == typeof(ITransport));
        Assert.Contains(services, s => s.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService));
    }

    [Fact]
    public async Task ConfigureServices_LocalPeerAndPeerNetwork_AreTheNodeServicesOwnInstances()
    {
        var services = new ServiceCollection();
        var dir = Directory.CreateTempSubdirectory("pm-di-").FullName;
        try
        {
            var context = new PluginContext("tunnel.libp2p", new DictionaryConfiguration(new Dictionary<string, string?> { ["listen:0"] = "/ip4/127.0.0.1/tcp/0" }),
                new NodeSettings("n1", dir, dir), new System.Diagnostics.Metrics.Meter("t"), new System.Diagnostics.ActivitySource("t"));
            var plugin = new TunnelLibp2pPlugin();
            plugin.ConfigureServices(services, context);
            var provider = new TestServices();
            var node = (Libp2pNodeService)Factory<Libp2pNodeService>(services)(provider);
            await using var _ = node;
            provider.Add(node);
            Assert.Same(node.LocalPeer, Factory<ILocalPeer>(services)(provider));
            Assert.Same(node.Network, Factory<IPeerNetwork>(services)(provider));

            await node.StartAsync(TestTimeout.Token());
            var status = Assert.IsType<Dictionary<string, object?>>(plugin.GetStatus());
            Assert.Equal("unknown", status["reachability"]);
            Assert.NotNull(status["holePunch"]);
            Assert.NotNull(status["autonat"]);
            Assert.Empty(Assert.IsType<Dictionary<string, object?>[]>(status["discovered"]));
            Assert.Contains("/libp2p/dcutr", node.Host!.Protocols);
            Assert.Contains("/libp2p/autonat/1.0.0", node.Host.Protocols);
            Assert.All(services.Where(s => s.ServiceType == typeof(ILocalPeer) || s.ServiceType == typeof(IPeerNetwork)),
                s => Assert.Equal(ServiceLifetime.Singleton, s.Lifetime));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Func<IServiceProvider, object> Factory<T>(ServiceCollection services) =>
        Assert.Single(services, s => s.ServiceType == typeof(T)).ImplementationFactory!;
}
