namespace PluginMesh.Plugins.Tunnel.Relay.AutoRelay;

/// <summary>When autorelay keeps reservations (config <c>autorelay</c>).</summary>
public enum AutoRelayMode
{
    /// <summary>While reachability is Private (the default).</summary>
    Auto,
    /// <summary>Always, whatever AutoNAT says.</summary>
    Always,
    /// <summary>Never; only the relays listed in <c>reserve</c> are used.</summary>
    Off,
}
