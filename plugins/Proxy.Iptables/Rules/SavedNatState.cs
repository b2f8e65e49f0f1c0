namespace PluginMesh.Plugins.Proxy.Iptables.Rules;

/// <summary>What <c>iptables-save -t nat</c> says about our chain.</summary>
/// <param name="ChainExists">Our chain is declared.</param>
/// <param name="JumpLines">Every <c>-A PREROUTING|OUTPUT … -j PLUGINMESH-SERVICES</c> line.</param>
/// <param name="JumpsFirst">Both hooks have exactly one jump to us and it is their first rule.</param>
/// <param name="Rules">Rule specs in our chain.</param>
public sealed record SavedNatState(bool ChainExists, IReadOnlyList<string> JumpLines, bool JumpsFirst, IReadOnlyList<string> Rules)
{
    /// <summary>Parses iptables-save output (nat table).</summary>
    public static SavedNatState Parse(string save)
    {
        ArgumentNullException.ThrowIfNull(save);
        var chain = RuleRenderer.ServicesChain;
        var exists = false;
        var jumps = new List<string>();
        var rules = new List<string>();
        var firstOk = new Dictionary<string, bool>(StringComparer.Ordinal);
        var seenHook = new HashSet<string>(StringComparer.Ordinal);
        var inNat = false;
        foreach (var raw in save.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith('*')) inNat = line == "*nat";
            if (!inNat) continue;
            if (line.StartsWith(':' + chain + ' ', StringComparison.Ordinal)) exists = true;
            else if (line.StartsWith("-A " + chain + ' ', StringComparison.Ordinal)) rules.Add(line[(chain.Length + 4)..]);
            else
            {
                foreach (var hook in RuleRenderer.HookChains)
                {
                    if (!line.StartsWith("-A " + hook + ' ', StringComparison.Ordinal)) continue;
                    var isJump = line.EndsWith("-j " + chain, StringComparison.Ordinal);
                    if (isJump) jumps.Add(line);
                    if (seenHook.Add(hook)) firstOk[hook] = isJump;
                    else if (isJump) firstOk[hook] = false;
                }
            }
        }
        var jumpsFirst = RuleRenderer.HookChains.All(h => firstOk.TryGetValue(h, out var ok) && ok);
        return new SavedNatState(exists, jumps, jumpsFirst, rules);
    }
}
