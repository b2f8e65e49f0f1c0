using System.Net.NetworkInformation;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Transport;

/// <summary>Turns a wildcard listen address (0.0.0.0, ::) into the addresses peers can actually dial.</summary>
public static class InterfaceAddresses
{
    public static IEnumerable<Multiaddr> Expand(Multiaddr bound)
    {
        if (!bound.TryGetTcpTarget(out var host, out var port, out var isIp) || !isIp) return [bound];
        var ip = IPAddress.Parse(host);
        if (!ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any)) return [bound];
        var family = ip.AddressFamily;
        var result = new List<Multiaddr>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up && nic.NetworkInterfaceType != NetworkInterfaceType.Loopback) continue;
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var a = unicast.Address;
                if (a.AddressFamily != family || (family == AddressFamily.InterNetworkV6 && (a.IsIPv6LinkLocal || a.ScopeId != 0))) continue;
                result.Add(Multiaddr.FromEndPoint(new IPEndPoint(a, port)));
            }
        }
        return result.Count > 0 ? result : [bound];
    }
}
