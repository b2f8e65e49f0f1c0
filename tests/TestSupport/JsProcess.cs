using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace PluginMesh.TestSupport;

/// <summary>One running node script (a js-libp2p test peer); its JSON stdout lines are queued. Disposing kills the process tree.</summary>
public sealed class JsProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<JsonElement> _lines = Channel.CreateUnbounded<JsonElement>();
    private readonly System.Text.StringBuilder _stderr = new();

    private JsProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.Writer.TryComplete();
                return;
            }
            if (e.Data.StartsWith('{')) _lines.Writer.TryWrite(JsonDocument.Parse(e.Data).RootElement.Clone());
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr) _stderr.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string StandardError { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Runs <c>node <paramref name="script"/> <paramref name="args"/></c> in <paramref name="directory"/>.</summary>
    public static JsProcess Start(string directory, string script, params string[] args)
    {
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return new JsProcess(Process.Start(psi) ?? throw new InvalidOperationException("node could not be started"));
    }

    /// <summary>Next JSON line whose "event" is <paramref name="eventName"/> (or any line when null).</summary>
    public async Task<JsonElement> NextAsync(string? eventName, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(cancellationToken))
            {
                if (eventName is null || (line.TryGetProperty("event", out var e) && e.GetString() == eventName)) return line;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"js harness gave no '{eventName}' line; stderr: {StandardError}");
        }
        throw new InvalidOperationException($"js harness exited without '{eventName}'; stderr: {StandardError}");
    }

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (OperationCanceledException)
        {
        }
        _process.Dispose();
    }
}
