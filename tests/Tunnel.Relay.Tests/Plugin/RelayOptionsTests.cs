using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Tunnel.Relay.AutoRelay;
using PluginMesh.Plugins.Tunnel.Relay.Hop;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Plugin;

public sealed class RelayOptionsTests
{
    [Fact]
    public void ReadmeExample_ParsesWithoutProblemsAndMeansWhatItSays()
    {
        var problems = new List<string>();
        var options = RelayOptions.Read(ReadmeYaml.PluginSection(ReadmePath(), TunnelRelayPlugin.PluginId), (k, m) => problems.Add($"{k}: {m}"));

        Assert.Empty(problems);
        Assert.Equal(RelayOfferMode.Auto, options.Relay);
        Assert.Equal(MembershipMode.Bound, options.Members);
        Assert.Single(options.TrustedPeers);
        Assert.Equal(new HopLimits(), options.Limits);
        Assert.Equal(CircuitLimit.Unlimited, options.MemberLimits);
        Assert.Equal(CircuitLimit.OutsiderDefault, options.OutsiderLimits);
        Assert.Single(options.Reserve);
        Assert.Equal(AutoRelayMode.Auto, options.AutoRelay);
        Assert.Equal(2, options.Relays);
        Assert.Single(options.Candidates);
    }

    [Fact]
    public void Readme_DocumentsEveryKey()
    {
        var text = File.ReadAllText(ReadmePath());
        foreach (var key in RelayOptions.Keys.Concat(RelayOptions.LimitKeys).Concat(RelayOptions.CircuitLimitKeys))
            Assert.Contains($"`{key}`", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Empty_GivesDefaults()
    {
        var problems = new List<string>();
        Assert.Equal(new RelayOptions().Relays, RelayOptions.Read(Config(new()), (k, m) => problems.Add(k)).Relays);
        Assert.Empty(problems);
    }

    [Fact]
    public void Validate_BadValues_ReportsEveryProblemWithItsPath()
    {
        var problems = new List<ConfigProblem>();
        var config = Config(new()
        {
            ["enabled"] = "true",
            ["relay"] = "sometimes",
            ["members"] = "friends",
            ["trustedPeers:0"] = "nope",
            ["limits:maxCircuits"] = "-1",
            ["limits:bufferKiB"] = "1",
            ["outsiderLimits:bytes"] = "lots",
            ["reserve:0"] = "/ip4/1.2.3.4/tcp/1",
            ["relays"] = "99",
            ["autorelay"] = "maybe",
        });
        new TunnelRelayPlugin().Validate(new PluginValidationContext(TunnelRelayPlugin.PluginId, config, "plugins.tunnel.relay", problems));
        Assert.Equal(
            [
                "plugins.tunnel.relay.relay", "plugins.tunnel.relay.members", "plugins.tunnel.relay.trustedPeers[0]",
                "plugins.tunnel.relay.limits.maxCircuits", "plugins.tunnel.relay.limits.bufferKiB",
                "plugins.tunnel.relay.outsiderLimits.bytes", "plugins.tunnel.relay.reserve[0]",
                "plugins.tunnel.relay.autorelay", "plugins.tunnel.relay.relays",
            ],
            problems.Select(p => p.Path));
    }

    [Fact]
    public void Validate_UnknownKeys_AreErrorsNamingTheFullPath_AtEveryLevel()
    {
        var problems = new List<ConfigProblem>();
        var config = Config(new()
        {
            ["enabled"] = "true",                    // the host's switch, accepted in every plugin section
            ["relay"] = "auto",
            ["autoRelay"] = "auto",                  // keys match ignoring case
            ["relayz"] = "2",                        // typo of relays
            ["limits:maxCircuits"] = "10",
            ["limits:maxCircuit"] = "10",            // typo
            ["memberLimits:duration"] = "60",        // typo of durationSeconds
            ["outsiderLimits:bytes"] = "1024",
            ["outsiderLimits:enabled"] = "false",    // enabled is only the section's switch
        });
        new TunnelRelayPlugin().Validate(new PluginValidationContext(TunnelRelayPlugin.PluginId, config, "plugins.tunnel.relay", problems));

        Assert.Equal(
            [
                "plugins.tunnel.relay.relayz", "plugins.tunnel.relay.limits.maxCircuit",
                "plugins.tunnel.relay.memberLimits.duration", "plugins.tunnel.relay.outsiderLimits.enabled",
            ],
            problems.Select(p => p.Path));
        Assert.Equal("unknown key; expected one of: relay, members, trustedPeers, limits, memberLimits, outsiderLimits, reserve, autorelay, relays, candidates, segmentRelays, electionSettleSeconds, acceptStop", problems[0].Message);
        Assert.Equal(
            "unknown key; expected one of: maxReservations, maxReservationsPerPeer, maxReservationsPerIp, maxOutsiderReservations, maxCircuitsPerPeer, maxCircuits, reservationTtlSeconds, bufferKiB",
            problems[1].Message);
        Assert.Equal("unknown key; expected one of: durationSeconds, bytes", problems[2].Message);
    }

    [Fact]
    public void Validate_LimitSectionThatIsNotAMapping_IsAnError()
    {
        var problems = new List<ConfigProblem>();
        new TunnelRelayPlugin().Validate(new PluginValidationContext(TunnelRelayPlugin.PluginId, Config(new() { ["memberLimits"] = "unlimited" }), "plugins.tunnel.relay", problems));
        var problem = Assert.Single(problems);
        Assert.Equal("plugins.tunnel.relay.memberLimits", problem.Path);
        Assert.Contains("expected a mapping", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Descriptor_DeclaresIdCapabilitiesAndApi()
    {
        var d = new TunnelRelayPlugin().Descriptor;
        Assert.Equal("tunnel.relay", d.Id);
        Assert.Equal(AbstractionsApi.Version, d.ApiVersion);
        Assert.Equal(["relay", "transport"], d.Provides);
        Assert.Equal(["tunnel"], d.Requires);
        Assert.Equal(["directory", "discovery"], d.Uses);
    }

    private static DictionaryConfiguration Config(Dictionary<string, string?> values) => new(values);

    private static string ReadmePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PluginMesh.sln"))) return Path.Combine(dir.FullName, "plugins", "Tunnel.Relay", "README.md");
        throw new InvalidOperationException("PluginMesh.sln not found");
    }
}
