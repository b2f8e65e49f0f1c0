using System.Text;

namespace PluginMesh.Plugins.Proxy.Iptables.Rules;

/// <summary>
/// Renders <c>iptables-restore</c> input for the nat table. Rules are written in the canonical form
/// <c>iptables-save</c> prints, so saved state can be compared line by line with what we want.
/// </summary>
public static class RuleRenderer
{
    /// <summary>Our chain; PREROUTING (pod traffic) and OUTPUT (host processes) jump to it.</summary>
    public const string ServicesChain = "PLUGINMESH-SERVICES";

    /// <summary>Comment on the jump rules, so operators see who put them there.</summary>
    public const string JumpComment = "pluginmesh service portals";

    /// <summary>Built-in chains that jump to <see cref="ServicesChain"/>.</summary>
    public static readonly IReadOnlyList<string> HookChains = ["PREROUTING", "OUTPUT"];

    /// <summary>The rule spec (without <c>-A CHAIN</c>) of one intercepted service port or node port.</summary>
    public static string Spec(InterceptRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var proto = rule.Protocol == TransportProtocol.Udp ? "udp" : "tcp";
        // A node port is every local address, as kube-proxy's KUBE-NODEPORTS matches it.
        if (rule.IsNodePort)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"-p {proto} -m addrtype --dst-type LOCAL -m {proto} --dport {rule.ServicePort} -j REDIRECT --to-ports {rule.ListenerPort}");
        }
        var prefix = rule.ServiceIp.AddressFamily == AddressFamily.InterNetworkV6 ? "/128" : "/32";
        return string.Create(CultureInfo.InvariantCulture,
            $"-d {rule.ServiceIp}{prefix} -p {proto} -m {proto} --dport {rule.ServicePort} -j REDIRECT --to-ports {rule.ListenerPort}");
    }

    /// <summary>The jump rule spec, as iptables-save prints it.</summary>
    public static string JumpSpec => $"-m comment --comment \"{JumpComment}\" -j {ServicesChain}";

    /// <summary>
    /// Full install: (re)declare our chain — which flushes it even with <c>--noflush</c> — remove
    /// stale jumps, insert fresh jumps at position 1, then every rule.
    /// </summary>
    public static string Install(IEnumerable<string> staleJumpLines, IReadOnlyList<string> specs)
    {
        ArgumentNullException.ThrowIfNull(staleJumpLines);
        ArgumentNullException.ThrowIfNull(specs);
        var sb = new StringBuilder(64 + (specs.Count * 100));
        sb.Append("*nat\n:").Append(ServicesChain).Append(" - [0:0]\n");
        foreach (var line in staleJumpLines) sb.Append("-D").Append(line.AsSpan(2)).Append('\n');
        // Position 1: ahead of kube-proxy's KUBE-SERVICES, so a ClusterIP the mesh serves is ours
        // even if kube-proxy also knows it; everything else falls through to KUBE-SERVICES.
        foreach (var hook in HookChains) sb.Append("-I ").Append(hook).Append(" 1 ").Append(JumpSpec).Append('\n');
        AppendRules(sb, specs);
        return sb.Append("COMMIT\n").ToString();
    }

    /// <summary>Rewrites our chain only (jumps untouched).</summary>
    public static string Rewrite(IReadOnlyList<string> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var sb = new StringBuilder(64 + (specs.Count * 100));
        sb.Append("*nat\n:").Append(ServicesChain).Append(" - [0:0]\n");
        AppendRules(sb, specs);
        return sb.Append("COMMIT\n").ToString();
    }

    /// <summary>Deletes and appends single rules.</summary>
    public static string Incremental(IEnumerable<string> remove, IEnumerable<string> add)
    {
        ArgumentNullException.ThrowIfNull(remove);
        ArgumentNullException.ThrowIfNull(add);
        var sb = new StringBuilder("*nat\n");
        foreach (var spec in remove) sb.Append("-D ").Append(ServicesChain).Append(' ').Append(spec).Append('\n');
        AppendRules(sb, add);
        return sb.Append("COMMIT\n").ToString();
    }

    /// <summary>Removes jumps, flushes and deletes our chain.</summary>
    public static string Uninstall(IEnumerable<string> jumpLines, bool chainExists)
    {
        ArgumentNullException.ThrowIfNull(jumpLines);
        var sb = new StringBuilder("*nat\n");
        foreach (var line in jumpLines) sb.Append("-D").Append(line.AsSpan(2)).Append('\n');
        if (chainExists) sb.Append("-F ").Append(ServicesChain).Append("\n-X ").Append(ServicesChain).Append('\n');
        return sb.Append("COMMIT\n").ToString();
    }

    private static void AppendRules(StringBuilder sb, IEnumerable<string> specs)
    {
        foreach (var spec in specs) sb.Append("-A ").Append(ServicesChain).Append(' ').Append(spec).Append('\n');
    }
}
