using System.Diagnostics;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>Runs short commands (ip, iptables-save) with a bound on their run time.</summary>
internal static class Shell
{
    /// <summary>Runs <paramref name="file"/>; throws with its stderr on a non-zero exit.</summary>
    public static string Run(string file, params string[] args)
    {
        var (code, output, error) = Exec(file, args);
        if (code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {code}: {error}");
        return output;
    }

    /// <summary>Runs <paramref name="file"/> and returns exit code, stdout and stderr; never throws for a failure exit.</summary>
    public static (int Code, string Output, string Error) Exec(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within 60 s");
        }
        return (p.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }
}
