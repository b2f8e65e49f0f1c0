using System.Diagnostics;

namespace PluginMesh.TestSupport;

/// <summary>Runs short commands (ip, iptables, sysctl) with a bound on their run time.</summary>
public static class Shell
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="file"/>; throws with its stderr on a non-zero exit.</summary>
    public static string Run(string file, params string[] args) => RunWithInput(null, file, args);

    /// <summary>Like <see cref="Run"/>, writing <paramref name="stdin"/> (when not null) to the command's input first.</summary>
    public static string RunWithInput(string? stdin, string file, params string[] args)
    {
        var (code, output, error) = ExecWithInput(stdin, file, args);
        if (code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {code}: {error}");
        return output;
    }

    /// <summary>Runs <paramref name="file"/> and returns exit code, stdout and stderr; never throws for a failure exit.</summary>
    public static (int Code, string Output, string Error) Exec(string file, params string[] args) => ExecWithInput(null, file, args);

    private static (int Code, string Output, string Error) ExecWithInput(string? stdin, string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{file} could not be started");
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Bound))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {Bound.TotalSeconds} s");
        }
        return (p.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }
}
