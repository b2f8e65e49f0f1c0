using System.Net.NetworkInformation;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>Chooses the interfaces to join: usable ones, filtered by the allow and exclude lists.</summary>
internal static class InterfaceSelector
{
    /// <summary>Applies the rules to <paramref name="candidates"/>; <paramref name="skipped"/> gets <c>name: why</c> for each other one.</summary>
    public static List<MdnsInterface> Select(IEnumerable<MdnsInterface> candidates, MdnsOptions options, List<string> skipped)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(options);
        var chosen = new List<MdnsInterface>();
        foreach (var c in candidates)
        {
            // An explicit allow list wins over the default excludes: naming docker0 means it.
            var allowed = options.Interfaces.Count > 0
                ? options.Interfaces.Any(p => Matches(p, c.Name))
                : !options.ExcludeInterfaces.Any(p => Matches(p, c.Name));
            var own = options.Interfaces.Count == 0 && c.Name == options.OwnInterface;
            var why = own ? "the agent's own DNS interface"
                : !allowed ? (options.Interfaces.Count > 0 ? "not in interfaces" : "excluded")
                : !c.IsUp ? "down"
                : !c.SupportsMulticast ? "no multicast"
                : c.Address is null ? "no IPv4 address"
                : null;
            if (why is null) chosen.Add(c);
            else skipped.Add($"{c.Name}: {why}");
        }
        return chosen;
    }

    /// <summary>Exact name, or a prefix when the pattern ends in <c>*</c>.</summary>
    public static bool Matches(string pattern, string name) =>
        pattern.EndsWith('*') ? name.StartsWith(pattern[..^1], StringComparison.Ordinal) : name == pattern;

    /// <summary>This host's interfaces (reads /sys and netlink through .NET; called at start only).</summary>
    public static List<MdnsInterface> Host()
    {
        var result = new List<MdnsInterface>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            var props = nic.GetIPProperties();
            var v4 = props.UnicastAddresses.FirstOrDefault(a => a.Address.AddressFamily == AddressFamily.InterNetwork)?.Address;
            int index;
            try
            {
                index = props.GetIPv4Properties().Index;
            }
            catch (NetworkInformationException)
            {
                continue;
            }
            // veth ends report Unknown until carrier negotiation says more; they pass traffic all the same.
            var up = nic.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown;
            result.Add(new MdnsInterface(nic.Name, index, up, nic.SupportsMulticast, v4));
        }
        return result;
    }
}
