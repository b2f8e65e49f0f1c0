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

    private static readonly Lock SubnetsLock = new();
    private static (long At, IPNetwork[] Subnets) _subnets = (long.MinValue, []);

    /// <summary>
    /// True when <paramref name="ip"/> is on a subnet of one of this machine's up interfaces (loopback
    /// aside): a neighbour on the same link, reachable without a router. Interfaces are read at most
    /// every few seconds (dial planning asks this per address).
    /// </summary>
    public static bool OnLink(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        IPNetwork[] subnets;
        lock (SubnetsLock)
        {
            var now = Environment.TickCount64;
            if (now - _subnets.At > 5_000) _subnets = (now, ReadSubnets());
            subnets = _subnets.Subnets;
        }
        foreach (var subnet in subnets)
        {
            if (subnet.Contains(ip)) return true;
        }
        return false;
    }

    private static IPNetwork[] ReadSubnets()
    {
        var result = new List<IPNetwork>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback) continue;
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var a = unicast.Address;
                if (IPAddress.IsLoopback(a) || a.IsIPv6LinkLocal) continue;
                var bits = a.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
                var prefix = Math.Clamp(unicast.PrefixLength, 0, bits);
                result.Add(new IPNetwork(Masked(a, prefix), prefix));
            }
        }
        return [.. result];
    }

    private static IPAddress Masked(IPAddress a, int prefix)
    {
        var bytes = a.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }
}
