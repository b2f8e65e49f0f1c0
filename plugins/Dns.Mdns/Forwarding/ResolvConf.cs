namespace PluginMesh.Plugins.Dns.Mdns.Forwarding;

/// <summary>Reads upstream name servers from a resolv.conf file.</summary>
internal static class ResolvConf
{
    /// <summary>
    /// The <c>nameserver</c> entries of <paramref name="text"/> on port 53, minus any that would send
    /// queries back to this server (a loop when the node's resolv.conf points at the agent itself).
    /// </summary>
    public static List<IPEndPoint> Parse(string text, IReadOnlyList<IPEndPoint> ownListen)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(ownListen);
        var result = new List<IPEndPoint>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !string.Equals(parts[0], "nameserver", StringComparison.Ordinal)) continue;
            // glibc accepts an IPv6 zone (fe80::1%eth0); a scoped address carries its interface.
            if (!IPAddress.TryParse(parts[1], out var address)) continue;
            var endpoint = new IPEndPoint(address, 53);
            if (IsOwn(endpoint, ownListen) || result.Contains(endpoint)) continue;
            result.Add(endpoint);
        }
        return result;
    }

    /// <summary>True when <paramref name="upstream"/> is one of our listen endpoints (or reaches one through a wildcard bind).</summary>
    public static bool IsOwn(IPEndPoint upstream, IReadOnlyList<IPEndPoint> ownListen)
    {
        foreach (var listen in ownListen)
        {
            if (listen.Port != upstream.Port) continue;
            if (listen.Address.Equals(upstream.Address)) return true;
            var wildcard = listen.Address.Equals(IPAddress.Any) || listen.Address.Equals(IPAddress.IPv6Any);
            if (wildcard && IPAddress.IsLoopback(upstream.Address)) return true;
        }
        return false;
    }
}
