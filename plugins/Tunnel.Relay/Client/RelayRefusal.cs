using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.Protocol;

namespace PluginMesh.Plugins.Tunnel.Relay.Client;

/// <summary>A relay answered with a status other than OK; the status is kept for status pages and tests.</summary>
internal static class RelayRefusal
{
    /// <summary>Builds the <see cref="TunnelException"/> the contract asks for, with the wire status in its data.</summary>
    public static TunnelException Create(TunnelFailure failure, Status status, string message)
    {
        var e = new TunnelException(failure, message);
        e.Data["relayStatus"] = StatusNames.Wire(status);
        return e;
    }
}
