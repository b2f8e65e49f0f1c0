namespace PluginMesh.Plugins.Proxy.Socks5.Target;

/// <summary>What the SOCKS side asks the target node's agent to dial on its own host.</summary>
/// <param name="Port">TCP port.</param>
/// <param name="Address">One of the node's own addresses, or null for the node itself (its loopback first, then its catalog addresses).</param>
public sealed record TargetRequest(int Port, IPAddress? Address)
{
    /// <inheritdoc />
    public override string ToString() => Address is null ? $"port {Port}" : new IPEndPoint(Address, Port).ToString();
}
