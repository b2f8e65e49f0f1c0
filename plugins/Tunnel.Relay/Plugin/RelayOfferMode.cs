namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>When this agent offers the hop service (config <c>relay</c>).</summary>
public enum RelayOfferMode
{
    /// <summary>While AutoNAT says Public (the default).</summary>
    Auto,
    /// <summary>Always (a relay the operator placed on purpose).</summary>
    Always,
    /// <summary>Never.</summary>
    Never,
}
