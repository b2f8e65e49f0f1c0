using System.Net.NetworkInformation;
using System.Text.RegularExpressions;

namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>
/// The addresses gateway ports bind, from interface include/exclude patterns (as EdgeMesh's gateway
/// chooses its NICs): every address (the wildcard) when all interfaces are included and none is
/// excluded, otherwise the unicast addresses of the chosen interfaces (IPv6 link-local left out).
/// </summary>
internal static class ListenAddresses
{
    /// <summary>Empty for the wildcard address; else the chosen interfaces' addresses, in interface order.</summary>
    public static IReadOnlyList<IPAddress> Resolve(IReadOnlyList<string> include, IReadOnlyList<string> exclude) =>
        Resolve(include, exclude, NetworkInterface.GetAllNetworkInterfaces()
            .Select(n => (n.Name, (IReadOnlyList<IPAddress>)[.. n.GetIPProperties().UnicastAddresses.Select(a => a.Address)])));

    /// <summary>As above over given interfaces (name, addresses).</summary>
    internal static IReadOnlyList<IPAddress> Resolve(IReadOnlyList<string> include, IReadOnlyList<string> exclude, IEnumerable<(string Name, IReadOnlyList<IPAddress> Addresses)> interfaces)
    {
        if (include.Count == 1 && include[0] == "*" && exclude.Count == 0) return [];
        return [.. interfaces
            .Where(n => include.Any(p => Matches(p, n.Name)) && !exclude.Any(p => Matches(p, n.Name)))
            .SelectMany(n => n.Addresses)
            .Where(a => !a.IsIPv6LinkLocal)
            .Distinct()];
    }

    /// <summary>Interface name against a pattern where <c>*</c> stands for any run of characters.</summary>
    internal static bool Matches(string pattern, string name) =>
        Regex.IsMatch(name, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
