namespace PluginMesh.Abstractions.Catalog;

/// <summary>
/// What every <see cref="ICatalogSource"/> reports about itself, kept in one place: whether its first
/// full state reached the sink (<see cref="Synced"/>), when it last read its authority in full
/// (<see cref="LastSync"/>), and whether it is in contact with that authority and since when
/// (<see cref="Connected"/>, <see cref="ConnectedChangedAt"/>).
/// </summary>
/// <remarks>
/// Thread-safe. A source that changes these together with state of its own does so under its own
/// lock as well, so that a status it builds under that lock is one consistent picture.
/// </remarks>
/// <param name="time">Clock for <see cref="LastSync"/> and <see cref="ConnectedChangedAt"/>.</param>
public sealed class CatalogSourceState(TimeProvider time)
{
    private readonly Lock _gate = new();
    private bool _synced;
    private DateTimeOffset? _lastSync;
    private bool _connected;
    private DateTimeOffset? _connectedChangedAt;

    /// <summary>See <see cref="ICatalogSource.Synced"/>.</summary>
    public bool Synced
    {
        get { lock (_gate) return _synced; }
    }

    /// <summary>See <see cref="ICatalogSource.LastSync"/>.</summary>
    public DateTimeOffset? LastSync
    {
        get { lock (_gate) return _lastSync; }
    }

    /// <summary>See <see cref="ICatalogSource.Connected"/>.</summary>
    public bool Connected
    {
        get { lock (_gate) return _connected; }
    }

    /// <summary>See <see cref="ICatalogSource.ConnectedChangedAt"/>.</summary>
    public DateTimeOffset? ConnectedChangedAt
    {
        get { lock (_gate) return _connectedChangedAt; }
    }

    /// <summary>A full state from the authority reached the sink now.</summary>
    public void FullSync()
    {
        lock (_gate)
        {
            _synced = true;
            _lastSync = time.GetUtcNow();
        }
    }

    /// <summary>The cached state reached the sink: synced, but not from the authority, so <see cref="LastSync"/> is null.</summary>
    public void ServedFromCache()
    {
        lock (_gate)
        {
            _synced = true;
            _lastSync = null;
        }
    }

    /// <summary>Reports contact with the authority; the time moves only when the value does (or on the first report).</summary>
    public void SetConnected(bool connected)
    {
        lock (_gate)
        {
            if (_connectedChangedAt is not null && _connected == connected) return;
            _connected = connected;
            _connectedChangedAt = time.GetUtcNow();
        }
    }
}
