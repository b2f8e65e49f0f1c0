using System.Diagnostics;

namespace PluginMesh.Deploy.Tests.Support;

/// <summary>Runs a real program and collects its exit code and output (stdout then stderr).</summary>
public static class ProcessRunner
{
    public static (int Code, string Output) Run(string exe, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (key, value) in env ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + exe);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            p.Kill(true);
            return (-1, $"timed out: {exe} {string.Join(' ', args)}");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The full path of a program on PATH, or null.</summary>
    public static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
