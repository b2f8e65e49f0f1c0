namespace PluginMesh.Plugins.Tunnel.Libp2p.Mesh;

/// <summary>
/// A libp2p stream seen through the Abstractions contract (no libp2p types leak out); with
/// <paramref name="lazy"/>, the bytes go through its lazy multistream-select view.
/// </summary>
internal sealed class MeshStream(Libp2pStream inner, string? nodeName = null, LazySelectStream? lazy = null) : IMeshStream
{
    public string Protocol => inner.Protocol;

    public RemotePeer Remote { get; } = new(inner.Connection.RemotePeerId, nodeName, inner.Connection.Path, inner.Connection.RemoteAddress);

    public Stream Stream => lazy ?? (Stream)inner.Stream;

    public ValueTask CloseWriteAsync(CancellationToken cancellationToken = default) =>
        lazy is not null ? lazy.CloseWriteAsync(cancellationToken) : inner.Stream.CloseWriteAsync(cancellationToken);

    public void Reset() => inner.Stream.Reset();

    public ValueTask DisposeAsync() => inner.Stream.DisposeAsync();
}
