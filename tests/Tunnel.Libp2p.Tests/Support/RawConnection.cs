using PluginMesh.Abstractions.Tunnel;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary>An <see cref="ITransportConnection"/> over any stream; counts disposals.</summary>
internal sealed class RawConnection(Stream stream, Multiaddr local, Multiaddr remote) : ITransportConnection
{
    private int _disposed;

    public Stream Stream => stream;

    public Multiaddr LocalAddress => local;

    public Multiaddr RemoteAddress => remote;

    public bool Disposed => Volatile.Read(ref _disposed) != 0;

    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _disposed, 1);
        return stream.DisposeAsync();
    }
}
