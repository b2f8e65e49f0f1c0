using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>
/// A child process whose stdout is read as JSON lines. Waits are bounded and poll the lines seen so
/// far; Dispose kills the whole tree, so a failed assertion never leaves a node running.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<JsonElement> _lines = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private ChildProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null || !e.Data.StartsWith('{')) return;
            try
            {
                _lines.Enqueue(JsonDocument.Parse(e.Data).RootElement.Clone());
            }
            catch (JsonException)
            {
                _stderr.Enqueue("unparsed stdout: " + e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) _stderr.Enqueue(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Starts <paramref name="args"/> inside network namespace <paramref name="netns"/>.</summary>
    public static ChildProcess InNetns(string netns, params string[] args)
    {
        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "netns", "exec", netns }.Concat(args)) start.ArgumentList.Add(a);
        return new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start ip netns exec"));
    }

    /// <summary>Every JSON line so far.</summary>
    public IReadOnlyList<JsonElement> Lines => _lines.ToArray();

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Waits (bounded) for a line matching <paramref name="match"/>; fails with what was seen.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            foreach (var line in _lines)
                if (match(line)) return line;
            if (_process.HasExited && !_lines.Any(match))
            {
                await Task.Delay(200).ConfigureAwait(false); // let the last lines drain
                foreach (var line in _lines)
                    if (match(line)) return line;
                break;
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
        throw new TimeoutException($"no {what} within {timeout.TotalSeconds:0}s (exited: {_process.HasExited}).\nstdout:\n{string.Join('\n', _lines.Select(l => l.GetRawText()))}\nstderr:\n{string.Join('\n', _stderr.TakeLast(40))}");
    }

    /// <summary>Writes a line to its stdin.</summary>
    public async Task SendAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Closes stdin (a clean stop for the helpers) and waits for the exit, bounded.</summary>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        _process.StandardInput.Close();
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

    /// <summary>SIGKILL: no goodbye, the TTL has to run out.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
