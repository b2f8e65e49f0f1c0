using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>
/// A real agent, <c>ip netns exec NS dotnet pluginmesh.dll up --config FILE --plugins-dir DIR</c>,
/// as built by <c>dotnet build src/Cli</c> (or the solution). Its data directory (identity key,
/// config, admin socket) is a fresh temporary directory; the admin endpoint is a unix socket there,
/// so the test reads <c>/status</c> and <c>/metrics</c> from the root namespace. Dispose kills the
/// agent if it still runs and removes the directory.
/// </summary>
public sealed class AgentProcess : IDisposable
{
    private readonly ConcurrentQueue<string> _log = new();
    private readonly HttpClient _http;
    private readonly Process _process;

    private AgentProcess(string netns, string pluginsYaml)
    {
        DataDir = Path.Combine(Path.GetTempPath(), "pm-mdns-agent-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(DataDir);
        AdminSocket = Path.Combine(DataDir, "admin.sock");
        var config = Path.Combine(DataDir, "pluginmesh.yaml");
        File.WriteAllText(config, $"""
            profile: none
            node:
              name: mdns-interop
              dataDir: {DataDir}
              policiesDir: {Path.Combine(RepoRoot, "policies")}
            admin:
              listen: unix:{AdminSocket}
            telemetry:
              prometheus:
                enabled: true
            shutdownTimeoutMs: 10000
            plugins:
            {pluginsYaml}
            """);
        _http = UnixSocketHttp.Create(AdminSocket, TimeSpan.FromSeconds(10));

        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", netns, MdnsHelpers.Dotnet, HostDll, "up", "--config", config, "--no-default-plugins", "--plugins-dir", PluginsDir }) start.ArgumentList.Add(a);
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start the agent");
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string RepoRoot { get; } = FindRoot();

    /// <summary>bin/&lt;Configuration&gt;/net10.0 of this test assembly gives the configuration to look for.</summary>
    private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string HostDll => Path.Combine(RepoRoot, "src", "Cli", "bin", Configuration, "net10.0", "pluginmesh.dll");

    /// <summary>Where plugin builds land (the host build also copies them beside itself).</summary>
    public static string PluginsDir => Path.Combine(RepoRoot, "artifacts", "plugins", Configuration);

    public string DataDir { get; }

    public string AdminSocket { get; }

    public int Pid => _process.Id;

    /// <summary>Starts an agent running <paramref name="pluginsYaml"/> (the body of <c>plugins:</c>, indented two spaces).</summary>
    public static AgentProcess Start(string netns, string pluginsYaml)
    {
        Assert.True(File.Exists(HostDll), $"{HostDll} not found: build the agent first (dotnet build src/Cli, or the solution)");
        Assert.True(File.Exists(Path.Combine(PluginsDir, "Dns.Mdns", "PluginMesh.Plugins.Dns.Mdns.dll")), $"plugins not built in {PluginsDir}");
        return new AgentProcess(netns, pluginsYaml);
    }

    public string LogTail(int lines = 60) => $"--- agent log (last {lines} lines) ---\n" + string.Join('\n', _log.TakeLast(lines));

    /// <summary><c>/status</c>, or null while the admin endpoint does not answer.</summary>
    public async Task<JsonElement?> StatusAsync()
    {
        var text = await GetAsync("status").ConfigureAwait(false);
        if (text is null) return null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary><c>/metrics</c> (Prometheus text), or null while the admin endpoint does not answer.</summary>
    public Task<string?> MetricsAsync() => GetAsync("metrics");

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds for the status; fails with the last status and the log.</summary>
    public async Task<JsonElement> WaitStatusAsync(Func<JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        JsonElement? last = null;
        while (sw.Elapsed < timeout && !_process.HasExited)
        {
            last = await StatusAsync().ConfigureAwait(false);
            if (last is { } s && condition(s)) return s;
            await Task.Delay(100).ConfigureAwait(false);
        }
        var seen = last is { } l && l.TryGetProperty("libp2p", out var p2p) ? p2p.GetRawText() : "none";
        throw new TimeoutException($"agent: no {what} within {timeout.TotalSeconds:0}s (exited: {_process.HasExited}).\nlast libp2p status: {seen}\n{LogTail()}");
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds for <c>/metrics</c>.</summary>
    public async Task<string> WaitMetricsAsync(Func<string, bool> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        string? last = null;
        while (sw.Elapsed < timeout && !_process.HasExited)
        {
            last = await MetricsAsync().ConfigureAwait(false);
            if (last is not null && condition(last)) return last;
            await Task.Delay(200).ConfigureAwait(false);
        }
        var libp2p = string.Join('\n', (last ?? "").Split('\n').Where(l => l.StartsWith("pluginmesh_libp2p", StringComparison.Ordinal)));
        throw new TimeoutException($"agent: no {what} within {timeout.TotalSeconds:0}s (exited: {_process.HasExited}).\nlibp2p metrics:\n{libp2p}\n{LogTail()}");
    }

    /// <summary>SIGTERM and wait (bounded); returns whether it exited in time.</summary>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        _http.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<string?> GetAsync(string path)
    {
        if (!File.Exists(AdminSocket)) return null;
        try
        {
            using var response = await _http.GetAsync(new Uri(path, UriKind.Relative)).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync().ConfigureAwait(false) : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return null;
        }
    }

    private void Add(string? line)
    {
        if (line is null) return;
        _log.Enqueue(line);
        while (_log.Count > 2000) _log.TryDequeue(out _);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PluginMesh.sln"))) return dir.FullName;
        throw new InvalidOperationException("PluginMesh.sln not found above " + AppContext.BaseDirectory);
    }
}
