using System.ComponentModel;
using System.Globalization;

namespace PluginMesh.Plugins.Proxy.Iptables.Rules;

/// <summary>
/// What lets a node port or external IP with <c>externalTrafficPolicy: Local</c> hand the endpoint
/// the client's own address, as kube-proxy does (iptables mode, TCP and UDP sessions, IPv4 and IPv6: the same rules in ip6tables and `ip -6`). The agent connects to the
/// endpoint from the client's address (<c>IP_TRANSPARENT</c>) with <see cref="OriginalMark"/> on its
/// packets; the endpoint's replies are addressed to the client, so they must be steered back to the
/// agent instead of leaving the node:
/// <list type="bullet">
/// <item>mangle chain <see cref="Chain"/> (jumped to first from PREROUTING, for a pod's replies, and
/// OUTPUT, for a host-network endpoint's): a packet carrying <see cref="OriginalMark"/> marks its
/// connection with <see cref="ReplyMark"/>; a reply packet of such a connection gets
/// <see cref="ReplyMark"/> as its own mark;</item>
/// <item><c>ip rule fwmark ReplyMark/ReplyMark lookup Table</c> and <c>local 0.0.0.0/0 dev lo</c> in
/// that table: a marked reply is delivered on this node, to the agent's socket bound to the client's address.</item>
/// </list>
/// Only our mark bits are set or matched (masked), so other users of the packet mark (kube-proxy's
/// 0x4000/0x8000, a CNI's) keep theirs; the bit is configurable (<c>clientSourceMark</c>) for a CNI that uses it.
/// </summary>
public sealed class ClientSourceRouting(ProxyOptions options, CommandRunner runner, Func<bool, CancellationToken, Task<IptablesTools>> tools, ILogger logger)
{
    /// <summary>Our mangle chain.</summary>
    public const string Chain = "PLUGINMESH-SOURCE";

    private const int RulePreference = 100; // after the local table's rule (0), before main (32766)

    private volatile bool _ready;
    private volatile bool _ipv6Ready;

    /// <summary>The mark the connection's replies get (<c>clientSourceMark</c>).</summary>
    public uint ReplyMark => options.ClientSourceMark;

    /// <summary>The mark the agent's own packets to the endpoint carry: the bit above <see cref="ReplyMark"/>.</summary>
    public uint OriginalMark => options.ClientSourceMark << 1;

    /// <summary>The routing table holding the local route (<c>clientSourceTable</c>).</summary>
    public int Table => options.ClientSourceTable;

    /// <summary>True once the rules and the route are in place: only then are connections made from the client's address.</summary>
    public bool Ready => _ready;

    /// <summary>The same for IPv6 clients and endpoints (ip6tables, <c>ip -6</c>); false leaves IPv4 as it is.</summary>
    public bool Ipv6Ready => _ipv6Ready;

    /// <summary>Why IPv6 clients' addresses are not kept, or null.</summary>
    public string? Ipv6Problem { get; private set; } = "not installed yet";

    /// <summary>Why the client's address is not kept, or null.</summary>
    public string? Problem { get; private set; } = "not installed yet";

    /// <summary>Connections made from the client's address since start.</summary>
    public long Kept => Interlocked.Read(ref _kept);

    private long _kept;

    /// <summary>Counts one connection made from the client's address.</summary>
    public void CountKept() => Interlocked.Increment(ref _kept);

    /// <summary>
    /// The connection could not be made from the client's address (the socket option or the bind was
    /// refused: no CAP_NET_ADMIN); the address is not kept from here on, and status says why.
    /// </summary>
    public void Disable(string why, bool ipv6 = false)
    {
        if (ipv6)
        {
            _ipv6Ready = false;
            Ipv6Problem = why;
            return;
        }
        _ready = false;
        Problem = why;
    }

    /// <summary>The mangle rules as iptables-save prints them.</summary>
    public IReadOnlyList<string> Rules =>
    [
        string.Create(CultureInfo.InvariantCulture, $"-m mark --mark 0x{OriginalMark:x}/0x{OriginalMark:x} -j CONNMARK --set-xmark 0x{ReplyMark:x}/0x{ReplyMark:x}"),
        string.Create(CultureInfo.InvariantCulture, $"-m connmark --mark 0x{ReplyMark:x}/0x{ReplyMark:x} -m conntrack --ctdir REPLY -j MARK --set-xmark 0x{ReplyMark:x}/0x{ReplyMark:x}"),
    ];

    /// <summary>
    /// Installs the chain, its jumps, the rule and the route for IPv4 and then IPv6, replacing what an
    /// earlier run left; a failure is logged and leaves <see cref="Ready"/> (or only <see cref="Ipv6Ready"/>) false.
    /// </summary>
    public async Task InstallAsync(CancellationToken cancellationToken)
    {
        foreach (var ipv6 in new[] { false, true })
        {
            try
            {
                var t = await tools(ipv6, cancellationToken).ConfigureAwait(false);
                await RemoveJumpsAsync(t, cancellationToken).ConfigureAwait(false);
                var input = $"*mangle\n:{Chain} - [0:0]\n-I PREROUTING 1 -j {Chain}\n-I OUTPUT 1 -j {Chain}\n"
                    + string.Concat(Rules.Select(r => $"-A {Chain} {r}\n")) + "COMMIT\n";
                await runner.RunCheckedAsync(What, t.Restore, ["--noflush"], input, cancellationToken).ConfigureAwait(false);
                await RemoveIpRulesAsync(ipv6, cancellationToken).ConfigureAwait(false);
                await runner.RunCheckedAsync(What, "ip", [.. Family(ipv6), "rule", "add", .. RuleSelector, "pref", RulePreference.ToString(CultureInfo.InvariantCulture)], null, cancellationToken).ConfigureAwait(false);
                await runner.RunCheckedAsync(What, "ip", [.. Family(ipv6), "route", "replace", "local", ipv6 ? "::/0" : "0.0.0.0/0", "dev", "lo", "table", Table.ToString(CultureInfo.InvariantCulture)], null, cancellationToken).ConfigureAwait(false);
                if (ipv6)
                {
                    Ipv6Problem = null;
                    _ipv6Ready = true;
                }
                else
                {
                    Problem = null;
                    _ready = true;
                    logger.ClientSourceReady(ReplyMark, Table);
                }
            }
            catch (Exception ex) when (ex is PluginMeshException or Win32Exception or InvalidOperationException)
            {
                // A missing `ip` or iptables binary, or a kernel without the connmark/conntrack matches (or without IPv6).
                var why = ex is PluginMeshException p ? p.Detail : ex.Message;
                Disable(why, ipv6);
                if (!ipv6) logger.ClientSourceFailed(why);
            }
        }
    }

    private static string[] Family(bool ipv6) => ipv6 ? ["-6"] : [];

    /// <summary>Removes the jumps, the chain, the rule and the route; failures are logged, never thrown (stop must finish).</summary>
    public async Task RemoveAsync(CancellationToken cancellationToken)
    {
        var installed = (V4: _ready, V6: _ipv6Ready);
        _ready = false;
        _ipv6Ready = false;
        foreach (var ipv6 in new[] { false, true })
        {
            // IPv6 is removed only where it was set up (an IPv4-only node has no ip6tables to ask).
            if (ipv6 && !installed.V6) continue;
            try
            {
                var t = await tools(ipv6, cancellationToken).ConfigureAwait(false);
                await RemoveJumpsAsync(t, cancellationToken).ConfigureAwait(false);
                await runner.RunAsync(t.Binary, ["-t", "mangle", "-F", Chain], null, cancellationToken).ConfigureAwait(false);
                await runner.RunAsync(t.Binary, ["-t", "mangle", "-X", Chain], null, cancellationToken).ConfigureAwait(false);
                await RemoveIpRulesAsync(ipv6, cancellationToken).ConfigureAwait(false);
                await runner.RunAsync("ip", [.. Family(ipv6), "route", "flush", "table", Table.ToString(CultureInfo.InvariantCulture)], null, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is PluginMeshException or Win32Exception or InvalidOperationException)
            {
                logger.ClientSourceFailed("removing: " + ex.Message);
            }
        }
    }

    private string[] RuleSelector => ["fwmark", $"0x{ReplyMark:x}/0x{ReplyMark:x}", "lookup", Table.ToString(CultureInfo.InvariantCulture)];

    // Each jump is deleted until none is left (a crashed run may have left several); a missing chain ends it too.
    private async Task RemoveJumpsAsync(IptablesTools t, CancellationToken cancellationToken)
    {
        foreach (var hook in new[] { "PREROUTING", "OUTPUT" })
        {
            for (var i = 0; i < 16; i++)
            {
                var r = await runner.RunAsync(t.Binary, ["-t", "mangle", "-D", hook, "-j", Chain], null, cancellationToken).ConfigureAwait(false);
                if (r.ExitCode != 0) break;
            }
        }
    }

    private async Task RemoveIpRulesAsync(bool ipv6, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 16; i++)
        {
            var r = await runner.RunAsync("ip", [.. Family(ipv6), "rule", "del", .. RuleSelector], null, cancellationToken).ConfigureAwait(false);
            if (r.ExitCode != 0) break;
        }
    }

    private const string What = "keep client source addresses";
}
