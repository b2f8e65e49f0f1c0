namespace PluginMesh.Plugins.Tunnel.Relay.Client;

/// <summary>Which relays may open <c>/stop</c> to this node (config <c>acceptStop</c>).</summary>
public enum StopAcceptance
{
    /// <summary>Only relays this node holds a reservation on (the agent's default: no uninvited relay pushes circuits at it).</summary>
    Reserved,
    /// <summary>
    /// Those, and relays this node dialed itself over a direct connection. For a node that keeps no
    /// reservations of its own but is scripted to reserve over a raw hop stream (<c>p2p daemon</c>, as
    /// @libp2p/interop drives it); js-libp2p accepts a STOP from any relay.
    /// </summary>
    Dialed,
}
