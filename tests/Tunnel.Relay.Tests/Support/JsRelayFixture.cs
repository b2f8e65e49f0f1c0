using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

/// <summary>Makes sure the pinned js-libp2p peers are installed (<c>npm ci</c> once, from the lockfile).</summary>
public sealed class JsRelayFixture
{
    public JsRelayFixture()
    {
        Directory = FindDirectory();
        if (System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@libp2p", "circuit-relay-v2"))) return;
        var psi = new ProcessStartInfo("npm", "ci --no-audit --no-fund")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var npm = Process.Start(psi) ?? throw new InvalidOperationException("npm could not be started");
        var stderr = npm.StandardError.ReadToEndAsync();
        npm.StandardOutput.ReadToEnd();
        if (!npm.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            npm.Kill(entireProcessTree: true);
            throw new InvalidOperationException("npm ci did not finish within 5 minutes");
        }
        if (npm.ExitCode != 0) throw new InvalidOperationException($"npm ci failed ({npm.ExitCode}): {stderr.Result}");
    }

    /// <summary>The folder holding relay.mjs and its lockfile.</summary>
    public string Directory { get; }

    private static string FindDirectory([CallerFilePath] string sourceFile = "")
    {
        // The source tree is the one place the harness and its lockfile live; tests run from bin/.
        var fromSource = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(sourceFile)!, "..", "js"));
        if (File.Exists(Path.Combine(fromSource, "relay.mjs"))) return fromSource;
        for (var dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            var candidate = Path.Combine(dir, "tests", "Tunnel.Relay.Tests", "js");
            if (File.Exists(Path.Combine(candidate, "relay.mjs"))) return candidate;
        }
        throw new InvalidOperationException("js relay harness folder not found");
    }
}
