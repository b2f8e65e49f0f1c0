namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

/// <summary>Removes a stream handler when disposed (once).</summary>
internal sealed class HandlerRegistration(Action remove) : IDisposable
{
    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) remove();
    }
}
