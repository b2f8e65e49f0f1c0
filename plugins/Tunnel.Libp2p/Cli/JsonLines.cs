namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli;

/// <summary>
/// A command's stdout as JSON lines, one whole line at a time whichever thread writes: the ready
/// line, then event lines raised on discovery or network threads (posted without blocking them).
/// </summary>
internal sealed class JsonLines(TextWriter output)
{
    private readonly SemaphoreSlim _lock = new(1);

    public async Task WriteAsync(Dictionary<string, object?> value)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(value)).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Writes from an event handler: returns at once; lines keep the order of their writes' turns on the lock.</summary>
    public void Post(Dictionary<string, object?> value) => _ = Task.Run(() => WriteAsync(value));
}
