namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>Receives byte counts from forwarding.</summary>
public interface IByteCounter
{
    /// <summary>Adds <paramref name="bytes"/>; inbound = client→endpoint.</summary>
    void Add(bool inbound, long bytes);
}
