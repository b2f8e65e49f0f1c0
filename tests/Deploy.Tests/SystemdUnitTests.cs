using System.Runtime.Versioning;
using PluginMesh.Deploy.Tests.Support;

namespace PluginMesh.Deploy.Tests;

/// <summary>deploy/systemd/pluginmesh.service: the directives that matter, and systemd's own verifier.</summary>
[Trait("Category", "Deploy")]
[SupportedOSPlatform("linux")]
public sealed class SystemdUnitTests
{
    private static readonly SystemdUnitFile Unit = new(File.ReadAllText(Repo.SystemdUnit));

    [Fact]
    public void Service_RunsTheAgentWithItsConfig_AndRestartsOnFailure()
    {
        Assert.Equal(["Unit", "Service", "Install"], Unit.Sections);
        Assert.Equal("/usr/local/bin/pluginmesh up --config /etc/pluginmesh/pluginmesh.yaml", Unit.Get("Service", "ExecStart"));
        Assert.Equal("on-failure", Unit.Get("Service", "Restart"));
        Assert.Equal("multi-user.target", Unit.Get("Install", "WantedBy"));
        Assert.Contains("network-online.target", Unit.Get("Unit", "After") ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void Capabilities_AreTheNetworkOnesOnly()
    {
        string[] expected = ["CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"];
        Assert.Equal(expected, Words(Unit.Get("Service", "AmbientCapabilities")));
        Assert.Equal(expected, Words(Unit.Get("Service", "CapabilityBoundingSet")));
        Assert.Equal("yes", Unit.Get("Service", "NoNewPrivileges"));
    }

    [Fact]
    public void Stop_IsSigtermWithATimeoutAboveTheAgentsShutdownBound()
    {
        Assert.Equal("SIGTERM", Unit.Get("Service", "KillSignal"));
        var timeout = Unit.Get("Service", "TimeoutStopSec") ?? "";
        Assert.EndsWith("s", timeout, StringComparison.Ordinal);
        var seconds = int.Parse(timeout[..^1], System.Globalization.CultureInfo.InvariantCulture);
        // shutdownTimeoutMs defaults to 10000 (src/Host/Configuration/defaults.yaml): stop a little later.
        Assert.InRange(seconds, 11, 30);
    }

    [Fact]
    public void Hardening_KeepsTheFileSystemReadOnly_ExceptStateRuntimeAndTheXtablesLock()
    {
        Assert.Equal("strict", Unit.Get("Service", "ProtectSystem"));
        var writable = Unit.All("Service", "ReadWritePaths").SelectMany(Words).ToList();
        Assert.Equal(["/run/pluginmesh", "/run/xtables.lock", "/var/lib/pluginmesh"], writable.Order(StringComparer.Ordinal));
        Assert.Equal("pluginmesh", Unit.Get("Service", "StateDirectory"));
        Assert.Equal("pluginmesh", Unit.Get("Service", "RuntimeDirectory"));
        // These would break the agent: the JIT needs W^X off, the rules live in the host's namespace.
        Assert.Null(Unit.Get("Service", "MemoryDenyWriteExecute"));
        Assert.Null(Unit.Get("Service", "PrivateNetwork"));
        Assert.Contains("AF_NETLINK", Words(Unit.Get("Service", "RestrictAddressFamilies")));
    }

    [Fact]
    public void SystemdAnalyzeVerify_AcceptsTheUnit_AndCatchesABrokenCopy()
    {
        var analyze = ProcessRunner.Which("systemd-analyze");
        Assert.True(analyze is not null, "systemd-analyze is not installed (Debian: apt-get install systemd)");
        // verify insists that ExecStart's binary exists and is executable, and the real one is only
        // installed on target hosts. So the test verifies a temporary copy whose ExecStart points at a
        // stand-in executable it creates; every other line is the shipped unit's.
        var dir = Directory.CreateTempSubdirectory("pm-deploy-unit-");
        try
        {
            var exe = Path.Combine(dir.FullName, "pluginmesh");
            File.WriteAllText(exe, "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(exe, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var text = File.ReadAllText(Repo.SystemdUnit).Replace("ExecStart=/usr/local/bin/pluginmesh ", $"ExecStart={exe} ", StringComparison.Ordinal);

            var (code, output) = Verify(analyze!, dir.FullName, "pluginmesh.service", text);
            Assert.True(code == 0 && !output.Contains("pluginmesh.service", StringComparison.Ordinal), output);

            // verify exits 0 even for directives it ignores, so the check above also looks at the output:
            // a copy with a bad value must be reported there.
            var (_, bad) = Verify(analyze!, dir.FullName, "broken.service", text.Replace("Restart=on-failure", "Restart=sometimes", StringComparison.Ordinal));
            Assert.Contains("broken.service", bad, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    private static (int Code, string Output) Verify(string analyze, string dir, string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return ProcessRunner.Run(analyze, ["verify", path]);
    }

    private static string[] Words(string? value) => (value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
