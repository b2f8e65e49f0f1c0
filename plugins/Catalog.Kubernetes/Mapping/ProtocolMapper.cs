namespace PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

/// <summary>Kubernetes protocol strings to <see cref="TransportProtocol"/>; absent means TCP, as in the API.</summary>
internal static class ProtocolMapper
{
    public static bool TryMap(string? protocol, out TransportProtocol result)
    {
        switch (protocol)
        {
            case null or "" or "TCP":
                result = TransportProtocol.Tcp;
                return true;
            case "UDP":
                result = TransportProtocol.Udp;
                return true;
            default:
                result = default;
                return false;
        }
    }
}
