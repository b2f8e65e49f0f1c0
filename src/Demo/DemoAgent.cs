using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace PluginMesh.Demo;

/// <summary>
/// One agent of the demo mesh: a child <c>pluginmesh up</c> process with its own config, data
/// directory, admin endpoint and log file. The demo talks to it only the way an operator would —
/// through the admin endpoint.
/// </summary>
internal sealed class DemoAgent : IAsyncDisposable
{
    private readonly HttpClient _http;
    private Process? _process;

    private readonly IReadOnlyList<string> _launcher;

    /// <param name="name">Agent name (node name, file names).</param>
    /// <param name="workDir">The demo's directory.</param>
    /// <param name="admin">Its admin endpoint as <c>admin.listen</c> text.</param>
    /// <param name="launcher">Words before its command line (e.g. <c>ip netns exec NS</c>).</param>
    /// <param name="host">The binary the demo runs in (admin clients).</param>
    public DemoAgent(string name, string workDir, string admin, IReadOnlyList<string> launcher, IDemoHost host)
    {
        Name = name;
        Directory = Path.Combine(workDir, name);
        System.IO.Directory.CreateDirectory(Directory);
        ConfigFile = Path.Combine(workDir, name + ".yaml");
        LogFile = Path.Combine(workDir, name + ".log");
        Admin = admin;
        _launcher = launcher;
        _http = host.AdminClient(admin, TimeSpan.FromSeconds(10));
    }

    public string Name { get; }

    public string Directory { get; }

    public string ConfigFile { get; }

    public string LogFile { get; }

    /// <summary>The admin endpoint as <c>admin.listen</c> (and <c>--admin</c>) text.</summary>
    public string Admin { get; }

    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public bool Running => _process is { HasExited: false };

    /// <summary>Writes the config and starts <c>pluginmesh up</c> with stdout and stderr going to the log file.</summary>
    public void Start(string configYaml, IReadOnlyList<string> pluginDirs)
    {
        File.WriteAllText(ConfigFile, configYaml);
        var (self, prefix) = SelfCommand();
        var file = _launcher.Count > 0 ? _launcher[0] : self;
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (_launcher.Count > 0)
        {
            foreach (var a in _launcher.Skip(1)) info.ArgumentList.Add(a);
            info.ArgumentList.Add(self);
        }
        foreach (var a in prefix) info.ArgumentList.Add(a);
        // The demo's configs say everything; overrides meant for the caller's own agent must not leak in.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("PLUGINMESH__", StringComparison.OrdinalIgnoreCase)).ToList()) info.Environment.Remove(name);
        // The demo found the plugin directories once; the agents search exactly those.
        info.ArgumentList.Add("--no-default-plugins");
        foreach (var dir in pluginDirs)
        {
            info.ArgumentList.Add("--plugins-dir");
            info.ArgumentList.Add(dir);
        }
        foreach (var a in new[] { "up", "--config", ConfigFile }) info.ArgumentList.Add(a);
        var log = new StreamWriter(LogFile, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.Exited += (_, _) => { lock (log) log.Dispose(); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>Waits for <c>/readyz</c>; throws with the log's tail when the process exits or time runs out.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            ct.ThrowIfCancellationRequested();
            if (_process is null || _process.HasExited) throw new DemoException($"{Name} exited with code {_process?.ExitCode} before it was ready", this);
            try
            {
                using var response = await _http.GetAsync(new Uri("readyz", UriKind.Relative), ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // Not listening yet.
            }
            await Task.Delay(100, ct);
        }
        throw new DemoException($"{Name} was not ready within {timeout.TotalSeconds:0} s", this);
    }

    /// <summary>The agent's <c>/status</c> document.</summary>
    /// <remarks>A busy machine can make one answer slow, so a failed read is retried for up to 30 s before it counts.</remarks>
    public async Task<JsonDocument> StatusAsync(CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var body = await _http.GetStringAsync(new Uri("status", UriKind.Relative), ct);
                return JsonDocument.Parse(body);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
            {
                if (waited.Elapsed > TimeSpan.FromSeconds(30) || !Running)
                    throw new DemoException($"{Name}'s admin endpoint ({Admin}) did not answer /status: {ex.Message}", this);
                await Task.Delay(250, ct);
            }
        }
    }

    /// <summary>SIGKILL: the machine the agent runs on is gone (no goodbye, sockets reset by the kernel).</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } p) return;
        p.Kill(entireProcessTree: true);
        await p.WaitForExitAsync();
    }

    /// <summary>SIGTERM and wait for the graceful stop; SIGKILL after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process is not { HasExited: false } p) return;
        _ = NativeMethods.Kill(p.Id, 15); // SIGTERM
        using var cts = new CancellationTokenSource(grace);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    /// <summary>Resident memory (VmRSS from /proc) in MiB; null when not running or not on Linux.</summary>
    public double? ResidentMib()
    {
        if (Pid is not { } pid) return null;
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? null : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The last lines of the agent's log, for error reports.</summary>
    public string LogTail(int lines = 15)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', all.TakeLast(lines).Select(l => "    " + l));
        }
        catch (IOException)
        {
            return "    (no log)";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process?.Dispose();
        _http.Dispose();
    }

    /// <summary>How to start this very binary again: the single-file executable, or <c>dotnet pluginmesh.dll</c>.</summary>
    internal static (string File, string[] Prefix) SelfCommand()
    {
        var exe = Environment.ProcessPath ?? throw new DemoException("cannot tell which binary is running (no process path)", null);
        // Run through the dotnet muxer (`dotnet pluginmesh.dll`, `dotnet run`): the entry assembly sits
        // beside this code. A single-file binary has no such file and is its own command.
        var dll = Path.Combine(AppContext.BaseDirectory, AppDomain.CurrentDomain.FriendlyName + ".dll");
        return Path.GetFileNameWithoutExtension(exe) == "dotnet" && File.Exists(dll) ? (exe, [dll]) : (exe, []);
    }
}
