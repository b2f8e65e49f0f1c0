using System.Diagnostics;
using System.Text.Json;

namespace PluginMesh.Bench.Tunnel;

/// <summary>
/// js-libp2p ↔ js-libp2p over loopback with tests/Tunnel.Libp2p.Tests/js/bench.mjs: one long-lived
/// server process and one dialer process per case. CPU is the dialer's own count for the measured
/// part plus the server's /proc counters read just before and after it.
/// </summary>
internal sealed class JsBaseline : IAsyncDisposable
{
    private readonly string _directory;
    private readonly Process _server;
    private readonly string _address;

    private JsBaseline(string directory, Process server, string address)
    {
        _directory = directory;
        _server = server;
        _address = address;
    }

    public const string Name = "js libp2p";

    /// <summary>The js tree, or null (with the reason) when node or its packages are missing.</summary>
    public static string? FindDirectory(string repoRoot, out string? whyNot)
    {
        var dir = Path.Combine(repoRoot, "tests", "Tunnel.Libp2p.Tests", "js");
        whyNot = File.Exists(Path.Combine(dir, "bench.mjs")) && Directory.Exists(Path.Combine(dir, "node_modules", "libp2p"))
            ? null
            : $"{dir} has no bench.mjs or no node_modules (run npm ci there)";
        return whyNot is null ? dir : null;
    }

    public static async Task<JsBaseline> StartAsync(string directory)
    {
        var server = Start(directory, "serve");
        var ready = await ReadEventAsync(server, "ready", TimeSpan.FromMinutes(2));
        return new JsBaseline(directory, server, ready.GetProperty("addrs")[0].GetString()!);
    }

    public async Task<Measurement> MeasureAsync(string @case, long bytes, int samples)
    {
        using var run = Start(_directory, "run", _address, "--case", @case, "--bytes", bytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--samples", samples.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            await ReadEventAsync(run, "ready", TimeSpan.FromMinutes(5));
            var serverBefore = CpuClock.ProcessSeconds(_server.Id);
            await run.StandardInput.WriteLineAsync("go");
            await run.StandardInput.FlushAsync();
            var result = await ReadEventAsync(run, "result", TimeSpan.FromMinutes(30));
            var serverCpu = CpuClock.ProcessSeconds(_server.Id) - serverBefore;
            var clientCpu = (result.GetProperty("cpuUserUs").GetDouble() + result.GetProperty("cpuSystemUs").GetDouble()) / 1e6;
            var rtt = result.GetProperty("rttUs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            await run.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            return new Measurement(Name, @case, result.GetProperty("seconds").GetDouble(), result.GetProperty("bytes").GetInt64(), serverCpu + clientCpu, rtt);
        }
        finally
        {
            if (!run.HasExited) run.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _server.StandardInput.Close();
        try
        {
            await _server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            _server.Kill(entireProcessTree: true);
        }
        _server.Dispose();
    }

    private static Process Start(string directory, params string[] args)
    {
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            RedirectStandardError = false,
        };
        psi.ArgumentList.Add("bench.mjs");
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException("node could not be started");
    }

    private static async Task<JsonElement> ReadEventAsync(Process process, string name, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
        {
            if (!line.StartsWith('{')) continue;
            var json = JsonDocument.Parse(line).RootElement.Clone();
            if (json.TryGetProperty("event", out var e) && e.GetString() == name) return json;
        }
        throw new InvalidOperationException($"bench.mjs exited before '{name}' (exit code {(process.HasExited ? process.ExitCode : -1)})");
    }
}
