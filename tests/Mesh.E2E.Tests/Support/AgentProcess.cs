using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>
/// One real agent: <c>ip netns exec NS dotnet pluginmesh.dll up --config FILE</c>. Its admin
/// endpoint is a unix socket in its data directory, so the test (in the root namespace) reads
/// <c>/status</c> without entering the agent's namespace. Start/stop as often as needed; Dispose
/// kills a process still running.
/// </summary>
internal sealed class AgentProcess : IDisposable
{
    private readonly ConcurrentQueue<string> _log = new();
    private readonly HttpClient _http;
    private readonly Stopwatch _sinceStart = new();
    private readonly IReadOnlyDictionary<string, string> _environment;
    private Process? _process;

    public AgentProcess(string netns, string node, string dataDir, string pluginsYaml, string logLevel = "Information")
        : this(netns, node, dataDir, $"""
            profile: none
            node:
              name: {node}
              dataDir: {dataDir}
              policiesDir: {AgentPaths.Policies}
            admin:
              listen: unix:{Path.Combine(dataDir, "admin.sock")}
            logging:
              level: {logLevel}
            shutdownTimeoutMs: 10000
            plugins:
            {pluginsYaml}
            """, new Dictionary<string, string>())
    {
    }

    private AgentProcess(string netns, string node, string dataDir, string config, IReadOnlyDictionary<string, string> environment)
    {
        _environment = environment;
        Netns = netns;
        Node = node;
        DataDir = dataDir;
        Directory.CreateDirectory(dataDir);
        AdminSocket = Path.Combine(dataDir, "admin.sock");
        ConfigFile = Path.Combine(dataDir, "pluginmesh.yaml");
        File.WriteAllText(ConfigFile, config);
        _http = UnixSocketHttp.Create(AdminSocket, TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// An agent on the embedded defaults (the default profile, every plugin with its defaults) given
    /// only its node name, its data directory and <paramref name="pluginsYaml"/>; the admin endpoint
    /// moves to a unix socket in the data directory so the test can read /status from outside.
    /// </summary>
    public static AgentProcess WithDefaults(string netns, string node, string dataDir, string pluginsYaml) => new(netns, node, dataDir, $"""
        node:
          name: {node}
          dataDir: {dataDir}
        admin:
          listen: unix:{Path.Combine(dataDir, "admin.sock")}
        plugins:
        {pluginsYaml}
        """, new Dictionary<string, string>());

    /// <summary>
    /// An agent on <paramref name="config"/> as it is (written to <c>pluginmesh.yaml</c> in the data
    /// directory) with <paramref name="environment"/> added to its process environment, as a pod's
    /// <c>env</c> gives it (<c>PLUGINMESH__…</c> variables). The admin endpoint must be
    /// <c>unix:&lt;dataDir&gt;/admin.sock</c> for the status methods to reach it.
    /// </summary>
    public static AgentProcess WithConfig(string netns, string node, string dataDir, string config, IReadOnlyDictionary<string, string> environment) =>
        new(netns, node, dataDir, config, environment);

    public string Netns { get; }

    public string Node { get; }

    public string DataDir { get; }

    public string AdminSocket { get; }

    public string ConfigFile { get; }

    public bool Running => _process is { HasExited: false };

    /// <summary>The last lines the agent logged (stderr and stdout), for failure messages.</summary>
    public string LogTail(int lines = 60) => $"--- {Node} log (last {lines} lines) ---\n" + string.Join('\n', _log.TakeLast(lines));

    /// <summary>Every line logged since the last start.</summary>
    public IReadOnlyList<string> Log => _log.ToArray();

    /// <summary>The lines of earlier runs (each ended by a marker line), then <see cref="Log"/>: a restarted agent's log before its restart is kept for a failure's timeline.</summary>
    public IReadOnlyList<string> AllRuns => [.. _earlierRuns, .. _log];

    private readonly ConcurrentQueue<string> _earlierRuns = new();

    /// <summary>Milliseconds from <see cref="Start"/> to the first log line containing every one of <paramref name="parts"/>, or null.</summary>
    public double? LoggedAt(params string[] parts)
    {
        foreach (var line in _log)
        {
            if (!parts.All(p => line.Contains(p, StringComparison.Ordinal))) continue;
            var end = line.IndexOf("ms ", StringComparison.Ordinal);
            return double.Parse(line.AsSpan(1, end - 1).Trim(), CultureInfo.InvariantCulture);
        }
        return null;
    }

    public void Start()
    {
        if (Running) throw new InvalidOperationException(Node + " is already running");
        if (!_log.IsEmpty)
        {
            foreach (var line in _log) _earlierRuns.Enqueue(line);
            _earlierRuns.Enqueue($"--- {Node} restarted (lines above: the run before, times since its start) ---");
            while (_earlierRuns.Count > 20_000) _earlierRuns.TryDequeue(out _);
        }
        _log.Clear();
        _sinceStart.Restart();
        if (File.Exists(AdminSocket)) File.Delete(AdminSocket);
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", Netns, "dotnet", AgentPaths.HostDll, "up", "--config", ConfigFile, "--no-default-plugins", "--plugins-dir", AgentPaths.PluginsDir }) psi.ArgumentList.Add(a);
        foreach (var (name, value) in _environment) psi.Environment[name] = value;
        _process?.Dispose();
        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + Node);
        p.OutputDataReceived += (_, e) => Add(e.Data);
        p.ErrorDataReceived += (_, e) => Add(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
    }

    private void Add(string? line)
    {
        if (line is null) return;
        _log.Enqueue($"+{_sinceStart.ElapsedMilliseconds,6}ms {line}");
        while (_log.Count > 20_000) _log.TryDequeue(out _);
    }

    /// <summary><c>/status</c> as JSON, or null while the admin endpoint does not answer.</summary>
    public async Task<JsonElement?> StatusAsync()
    {
        if (!File.Exists(AdminSocket)) return null;
        try
        {
            using var response = await _http.GetAsync(new Uri("status", UriKind.Relative));
            if (response.StatusCode != HttpStatusCode.OK) return null;
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return doc.RootElement.Clone();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or IOException)
        {
            return null;
        }
    }

    public async Task<bool> IsReadyAsync()
    {
        if (!File.Exists(AdminSocket)) return false;
        try
        {
            using var response = await _http.GetAsync(new Uri("readyz", UriKind.Relative));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return false;
        }
    }

    /// <summary>Waits (bounded) for <c>/readyz</c> to answer 200; returns the time since <see cref="Start"/>.</summary>
    public async Task<TimeSpan> WaitReadyAsync(TimeSpan timeout)
    {
        while (_sinceStart.Elapsed < timeout && _process is { HasExited: false })
        {
            if (await IsReadyAsync()) return _sinceStart.Elapsed;
            await Task.Delay(50);
        }
        throw new TimeoutException($"{Node} not ready within {timeout.TotalSeconds:0} s (exited: {_process?.HasExited})\n{LogTail()}");
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds for this agent's status; fails with the log tail.</summary>
    public async Task<JsonElement> WaitStatusAsync(Func<JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        JsonElement? last = null;
        while (sw.Elapsed < timeout)
        {
            if (_process is { HasExited: true }) break;
            last = await StatusAsync();
            if (last is { } s && condition(s)) return s;
            await Task.Delay(100);
        }
        throw new TimeoutException($"{Node}: no {what} within {timeout.TotalSeconds:0} s (exited: {_process?.HasExited}).\n"
            + $"last status: {(last is { } l ? Trim(l.GetRawText()) : "none")}\n{LogTail()}");
    }

    /// <summary>SIGTERM and wait (bounded); returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        var p = _process ?? throw new InvalidOperationException(Node + " was never started");
        if (!p.HasExited)
        {
            Shell.Exec("kill", "-TERM", p.Id.ToString(CultureInfo.InvariantCulture));
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
            try
            {
                await p.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException($"{Node} did not stop within {(timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds} s after SIGTERM\n{LogTail()}");
            }
        }
        p.WaitForExit(); // drain the output handlers
        return p.ExitCode;
    }

    /// <summary>
    /// SIGSTOP: the process stops but its sockets stay open (the kernel still ACKs what arrives), as an
    /// agent whose node froze or whose link silently died looks to its peers. <see cref="Kill"/> ends it.
    /// </summary>
    public void Freeze()
    {
        if (_process is not { HasExited: false } p) return;
        using var stop = Process.Start("kill", ["-STOP", p.Id.ToString(CultureInfo.InvariantCulture)]);
        stop.WaitForExit();
    }

    /// <summary>SIGKILL, no clean stop.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        _http.Dispose();
    }

    private static string Trim(string s) => s.Length > 4000 ? s[..4000] + "…" : s;
}
