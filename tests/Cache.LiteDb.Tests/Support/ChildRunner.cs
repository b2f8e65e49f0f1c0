using System.Diagnostics;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

/// <summary>Starts this test assembly as a separate process (<c>dotnet &lt;assembly&gt; mode args</c>).</summary>
public sealed class ChildRunner : IDisposable
{
    private readonly Process _process;

    private ChildRunner(Process process) => _process = process;

    public int ProcessId => _process.Id;

    public static ChildRunner Start(params string[] args)
    {
        // Set by the SDK for test runs; the muxer keeps the child on the same runtime as the tests.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(ChildRunner).Assembly.Location);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        return new ChildRunner(Process.Start(info) ?? throw new InvalidOperationException("could not start child process"));
    }

    /// <summary>Next stdout line; fails the test with the child's stderr if it exited instead.</summary>
    public string ReadLine()
    {
        var line = _process.StandardOutput.ReadLine();
        if (line is not null) return line;
        _process.WaitForExit();
        Assert.Fail($"child exited with {_process.ExitCode} before writing; stderr: {_process.StandardError.ReadToEnd()}");
        return "";
    }

    /// <summary>Closes stdin (the child's cue to finish) and waits for a clean exit.</summary>
    public void Finish()
    {
        _process.StandardInput.Close();
        _process.WaitForExit();
        Assert.True(_process.ExitCode == 0, $"child exit code {_process.ExitCode}; stderr: {_process.StandardError.ReadToEnd()}");
    }

    /// <summary>What the child wrote to stdout that has not been read yet (call after it ended).</summary>
    public string ReadRemainingOutput() => _process.StandardOutput.ReadToEnd();

    /// <summary>Waits for the child to end on its own; returns its exit code and stderr.</summary>
    public (int ExitCode, string StandardError) WaitForExit()
    {
        var stderr = _process.StandardError.ReadToEnd();
        _process.WaitForExit();
        return (_process.ExitCode, stderr);
    }

    /// <summary>SIGKILL on Unix: no finalizers, no flush, no LiteDB close.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) KillHard();
        _process.Dispose();
    }
}
