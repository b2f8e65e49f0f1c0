namespace PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

/// <summary>
/// An <see cref="IFileSync"/> that records every call and then does the real fsync. A test can hold
/// file syncs at a gate (to see what waits for them) or make them fail (as EIO would).
/// </summary>
internal sealed class RecordingFileSync : IFileSync
{
    private readonly List<(string Kind, string Path)> _calls = [];
    private volatile ManualResetEventSlim? _gate;
    private volatile string? _failWith;

    public IReadOnlyList<(string Kind, string Path)> Calls
    {
        get
        {
            lock (_calls) return [.. _calls];
        }
    }

    /// <summary>fsyncs of <paramref name="path"/> so far.</summary>
    public int FileSyncs(string path) => Calls.Count(c => c.Kind == "file" && c.Path == path);

    /// <summary>From now on, file syncs wait until <see cref="Release"/>.</summary>
    public void Hold() => _gate = new ManualResetEventSlim(false);

    public void Release()
    {
        var gate = _gate;
        _gate = null;
        gate?.Set();
    }

    /// <summary>From now on, file syncs throw an IOException with this text; null: they work again.</summary>
    public void Fail(string? message) => _failWith = message;

    /// <summary>File syncs that have started (including ones waiting at the gate).</summary>
    public int Started(string path) => FileSyncs(path);

    public void File(string path)
    {
        lock (_calls) _calls.Add(("file", path));
        _gate?.Wait(TimeSpan.FromSeconds(60));
        if (_failWith is { } message) throw new IOException(message);
        OsFileSync.Instance.File(path);
    }

    public void Directory(string path)
    {
        lock (_calls) _calls.Add(("directory", path));
        OsFileSync.Instance.Directory(path);
    }
}
