using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Interop;

/// <summary>Makes sure the pinned js-libp2p harness is installed (<c>npm ci</c> once, from the lockfile).</summary>
public sealed class JsHarnessFixture
{
    public JsHarnessFixture()
    {
        Directory = FindHarnessDirectory();
        if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "libp2p")))
        {
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
    }

    /// <summary>The folder holding harness.mjs and its lockfile.</summary>
    public string Directory { get; }

    private static string FindHarnessDirectory([CallerFilePath] string sourceFile = "")
    {
        // The source tree is the one place the harness and its lockfile live; tests run from bin/.
        var fromSource = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(sourceFile)!, "..", "js"));
        if (File.Exists(Path.Combine(fromSource, "harness.mjs"))) return fromSource;
        var dir = AppContext.BaseDirectory;
        while (dir is not null)
        {
            var candidate = Path.Combine(dir, "tests", "Tunnel.Libp2p.Tests", "js");
            if (File.Exists(Path.Combine(candidate, "harness.mjs"))) return candidate;
            dir = Path.GetDirectoryName(dir);
        }
        throw new InvalidOperationException("js harness folder not found");
    }
}
