using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace PluginMesh.Host.Tests.Cli;

/// <summary>
/// libp2p's own interop suite, @libp2p/interop (connect, streams and relay tests), run by
/// tests/Host.Tests/interop-suite/run.mjs with the suite's "go" role played by the real
/// <c>pluginmesh p2p daemon</c> (this build's CLI and plugins) and its "js" role by js-libp2p behind
/// @libp2p/daemon-server. Options PluginMesh does not support are skipped by the runner, each with
/// its reason; everything else must pass.
/// </summary>
[Trait("Category", "E2E")]
public sealed class OfficialInteropSuiteTests(ITestOutputHelper output)
{
    private static string SuiteDir => Path.Combine(TestPaths.RepoRoot, "tests", "Host.Tests", "interop-suite");

    [Fact]
    public async Task InteropSuite_ConnectStreamsRelay_NoFailures_PluginMeshCasesPass()
    {
        Assert.True(Directory.Exists(Path.Combine(SuiteDir, "node_modules", "@libp2p", "interop")), $"{SuiteDir}/node_modules is missing: run build/test-deps.sh (npm ci from its lockfile)");
        var psi = new ProcessStartInfo("node") { WorkingDirectory = SuiteDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("run.mjs");
        psi.Environment["PLUGINMESH_DLL"] = TestPaths.HostWithDefaultPluginsDll;
        psi.Environment["PLUGINMESH_PLUGINS"] = TestPaths.PluginsDir;
        psi.Environment["PLUGINMESH_POLICIES"] = Path.Combine(TestPaths.RepoRoot, "policies");
        using var node = Process.Start(psi)!;
        var stderr = node.StandardError.ReadToEndAsync();
        string stdout;
        try
        {
            stdout = await node.StandardOutput.ReadToEndAsync(TestTimeout.Token(1200));
            await node.WaitForExitAsync(TestTimeout.Token(60));
        }
        finally
        {
            // A runner that hangs takes its daemons (dotnet, js) with it.
            if (!node.HasExited) node.Kill(entireProcessTree: true);
        }
        output.WriteLine(stdout);
        output.WriteLine(await stderr);

        var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'));
        Assert.True(last is not null, $"the runner printed no summary (exit {node.ExitCode}):\n{stdout}\n{await stderr}");
        var summary = JsonDocument.Parse(last).RootElement;
        var passed = summary.GetProperty("passed").GetInt32();
        var failed = summary.GetProperty("failed").GetInt32();
        var skipped = summary.GetProperty("skipped").GetInt32();
        output.WriteLine($"@libp2p/interop: {passed} passed, {failed} failed, {skipped} skipped");
        Assert.Equal(0, failed);
        Assert.Equal(0, node.ExitCode);

        // Every skip is one of the runner's refusals of an unsupported option, never a silent one.
        foreach (var skip in summary.GetProperty("skips").EnumerateArray())
            Assert.Matches("^(go|js): (transport|encryption|muxer|DHT|pubsub|RSA identity key|secp256k1 identity key)", skip.GetProperty("reason").GetString());

        // The cases with PluginMesh in them ran: TCP connect both ways, Ed25519/Noise echo both ways, and the
        // seven relay pairings with a PluginMesh node in any role (connect and refusal without a reservation).
        var ran = summary.GetProperty("passedTests").EnumerateArray().Select(t => t.GetString()!).ToList();
        Assert.Contains("connection.tcp js peer to go peer over tcp", ran);
        Assert.Contains("connection.tcp go peer to js peer over tcp", ran);
        Assert.Contains("ed25519/noise/yamux echo js sender to go listener", ran);
        Assert.Contains("ed25519/noise/yamux echo go sender to js listener", ran);
        Assert.Equal(14, ran.Count(t => t.Contains(" over relay ", StringComparison.Ordinal) && t.Contains("go", StringComparison.Ordinal)));
    }
}
