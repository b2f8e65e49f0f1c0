namespace PluginMesh.Plugins.Tunnel.Libp2p.Mesh;

/// <summary>A libp2p stream seen through the Abstractions contract (no libp2p types leak out).</summary>
internal sealed class MeshStream(Libp2pStream inner, string? nodeName = null) : IMeshStream
{
    public string Protocol => inner.Protocol;

    public RemotePeer Remote { get; } = new(inner.Connection.RemotePeerId, nodeName, inner.Connection.Path, inner.Connection.RemoteAddress);

    public Stream Stream => inner.Stream;

    public ValueTask CloseWriteAsync(CancellationToken cancellationToken = default) => inner.Stream.CloseWriteAsync(cancellationToken);

    public void Reset() => inner.Stream.Reset();

    public ValueTask DisposeAsync() => inner.Stream.DisposeAsync();
}
