namespace PluginMesh.Plugins.Tunnel.Libp2p.Mesh;

/// <summary>One way to reach a peer: a live connection or an address to dial.</summary>
internal sealed record PathCandidate(Libp2pConnection? Connection, Multiaddr? Address)
{
    public override string ToString() => Connection is not null ? $"connection {Connection}" : Address!.ToString();
}
