using System.Diagnostics;

namespace PluginMesh.Demo.Tests.Support;

/// <summary>The built <c>pluginmesh</c> (pluginmesh.dll beside this test assembly), run as a user runs it.</summary>
internal static class HostCli
{
    public static string HostDll => Path.Combine(AppContext.BaseDirectory, "pluginmesh.dll");

    /// <summary>The real plugins, built by the solution into artifacts/plugins/&lt;Configuration&gt;.</summary>
    public static string PluginsDir => RepoPaths.Of(Path.Combine("artifacts", "plugins",
        typeof(HostCli).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .Cast<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration));

    /// <summary><c>dotnet pluginmesh.dll ARGS</c> with output captured.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(HostDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>Runs a command to its end (two minutes at most).</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(ProcessStartInfo psi)
    {
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }

        return (p.ExitCode, await stdout, await stderr);
    }

    public static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => RunAsync(StartInfo(args));
}
