namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>Discards counts (the serving side of the tunnel counts nothing per service).</summary>
public sealed class NullByteCounter : IByteCounter
{
    /// <summary>The instance.</summary>
    public static NullByteCounter Instance { get; } = new();

    /// <inheritdoc />
    public void Add(bool inbound, long bytes)
    {
    }
}
