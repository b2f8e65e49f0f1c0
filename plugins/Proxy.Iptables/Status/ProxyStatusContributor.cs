namespace PluginMesh.Plugins.Proxy.Iptables.Status;

/// <summary>Publishes <see cref="ProxyStatus"/> as the <c>proxy</c> section.</summary>
public sealed class ProxyStatusContributor(ProxyHostedService proxy) : IStatusContributor
{
    /// <inheritdoc />
    public string Section => "proxy";

    /// <inheritdoc />
    public object GetStatus() => proxy.GetStatus();
}
