namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

/// <summary>A stream negotiated for <paramref name="Protocol"/> on <paramref name="Connection"/>.</summary>
public sealed record Libp2pStream(YamuxStream Stream, string Protocol, Libp2pConnection Connection);
