using System.Text.Json;
using PluginMesh.Cli;

namespace PluginMesh.Host.Tests.Cli;

/// <summary>
/// <c>pluginmesh p2p …</c> run in-process exactly as the executable runs it (<see cref="CliApp"/>): the
/// real plugins (artifacts/plugins/&lt;Configuration&gt;, tunnel.libp2p's commands) found in the plugin
/// directories, each command's node composed by the host as the agent's is, over a config file of the
/// test's own (its node's data and policies directories).
/// </summary>
internal sealed class P2pCli : IAsyncDisposable
{
    private readonly TempDir _tmp = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task<int>> _running = [];
    private readonly List<(string Name, LockedWriter Error)> _errors = [];

    /// <param name="yaml">Extra top-level YAML for the node's config file (e.g. a <c>plugins:</c> section).</param>
    /// <param name="policies">The node's <c>policiesDir</c>; null: none configured (the default beside the binary).</param>
    public P2pCli(string yaml = "", string? policies = null)
    {
        var policiesLine = policies is null ? "" : $"\n  policiesDir: {policies}";
        Config = _tmp.File("p2p.yaml", $"node:\n  name: p2p-cli\n  dataDir: {_tmp.Path}/data{policiesLine}\n{yaml}");
    }

    public string Dir => _tmp.Path;

    public string Config { get; }

    /// <summary>Where plugins come from: the real ones unless a test narrows them.</summary>
    public string PluginsDir { get; init; } = TestPaths.PluginsDir;

    /// <summary>What the listeners logged on stderr, for failure messages.</summary>
    public string ListenerLogs => string.Join("\n", _errors.Select(e => $"--- {e.Name} stderr:\n{e.Error}"));

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken ct) =>
        CliApp.RunAsync(["--config", Config, "--no-default-plugins", "--plugins-dir", PluginsDir, .. args], new CliIo(output, error, ct));

    /// <summary>Runs a command to its end; exit code, stdout and stderr.</summary>
    public async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await RunAsync(args, output, error, TestTimeout.Token(120));
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Starts <c>p2p listen</c> on a kernel-chosen loopback port with its own key; returns its ready line (stopped on dispose, or by <paramref name="stop"/>).</summary>
    public async Task<Listener> ListenAsync(string name, string[] args, CancellationToken stop = default)
    {
        var output = new LineWriter();
        var error = new LockedWriter();
        _errors.Add((name, error));
        var run = RunAsync(["p2p", "listen", .. args, "--listen", "/ip4/127.0.0.1/tcp/0", "--key", Path.Combine(_tmp.Path, name + ".key")],
            output, error, stop.CanBeCanceled ? stop : _stop.Token);
        _running.Add(run);
        var first = await Task.WhenAny(output.WaitForAsync(_ => true, TestTimeout.Token(120)), run);
        if (first == run) Assert.Fail($"p2p listen {name} exited {await run} before its ready line:\n{error}");
        return new Listener(await output.WaitForAsync(_ => true, TestTimeout.Token()), output, error, run);
    }

    /// <summary>Runs <c>p2p dial</c> and returns its result line, asserting the exit code.</summary>
    public async Task<JsonElement> DialAsync(string[] args, int expectedExit = 0)
    {
        var (code, output, error) = await RunAsync(["p2p", "dial", .. args]);
        Assert.True(code == expectedExit, $"p2p dial exited {code}: {output}{error}\n{ListenerLogs}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var run in _running)
        {
            try
            {
                await run.WaitAsync(TestTimeout.Token());
            }
            catch (OperationCanceledException)
            {
            }
        }
        _stop.Dispose();
        _tmp.Dispose();
    }

    /// <summary>A running <c>p2p listen</c>: its ready line, its output and stderr so far, and its exit code when stopped.</summary>
    public sealed record Listener(JsonElement Ready, LineWriter Output, LockedWriter Error, Task<int> Run)
    {
        public string PeerId => Ready.GetProperty("peerId").GetString()!;

        public string Address => Ready.GetProperty("addrs")[0].GetString()!;
    }

    /// <summary>A listener's stderr, written by the node's threads while the test reads it.</summary>
    public sealed class LockedWriter : StringWriter
    {
        private readonly Lock _lock = new();

        public override void Write(char value)
        {
            lock (_lock) base.Write(value);
        }

        public override void Write(string? value)
        {
            lock (_lock) base.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            lock (_lock) base.Write(buffer, index, count);
        }

        public override string ToString()
        {
            lock (_lock) return base.ToString();
        }
    }

    /// <summary>Captures a command's JSON lines and lets a test await one that matches.</summary>
    public sealed class LineWriter : StringWriter
    {
        private readonly List<JsonElement> _lines = [];
        private TaskCompletionSource _more = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<JsonElement> Lines
        {
            get { lock (_lines) return [.. _lines]; }
        }

        public override Task WriteLineAsync(string? value)
        {
            TaskCompletionSource more;
            lock (_lines)
            {
                _lines.Add(JsonDocument.Parse(value ?? "null").RootElement.Clone());
                more = _more;
                _more = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            more.TrySetResult();
            return base.WriteLineAsync(value);
        }

        public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, CancellationToken ct)
        {
            while (true)
            {
                Task more;
                lock (_lines)
                {
                    foreach (var l in _lines)
                    {
                        if (match(l)) return l;
                    }
                    more = _more.Task;
                }
                await more.WaitAsync(ct);
            }
        }
    }
}
