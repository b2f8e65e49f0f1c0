namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

/// <summary>Serves one inbound stream; the host disposes the stream when the task ends.</summary>
public delegate Task Libp2pStreamHandler(Libp2pStream stream, CancellationToken cancellationToken);
