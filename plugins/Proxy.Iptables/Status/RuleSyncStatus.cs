namespace PluginMesh.Plugins.Proxy.Iptables.Status;

/// <summary>Interception rule state.</summary>
/// <param name="Binary">iptables binary in use, or null before the first sync.</param>
/// <param name="Backend"><c>nf_tables</c>, <c>legacy</c> or <c>unknown</c>.</param>
/// <param name="Rules">Rules installed in our chain.</param>
/// <param name="LastSync">When the last sync finished.</param>
/// <param name="LastSyncMs">Its duration.</param>
/// <param name="LastSyncKind"><c>install</c>, <c>rewrite</c>, <c>incremental</c> or <c>none</c>.</param>
/// <param name="LastError">Last error, or null.</param>
/// <param name="Ipv6">The IPv6 side (ip6tables), or null before the first sync.</param>
public sealed record RuleSyncStatus(string? Binary, string? Backend, int Rules, DateTimeOffset? LastSync, double? LastSyncMs, string LastSyncKind, string? LastError,
    Ipv6RuleStatus? Ipv6 = null);

/// <summary>IPv6 interception (ip6tables, the IPv4 tools' backend).</summary>
/// <param name="Binary">ip6tables binary, or null when it is not known (not asked yet, or no counterpart).</param>
/// <param name="Rules">IPv6 rules applied (included in <see cref="RuleSyncStatus.Rules"/>).</param>
/// <param name="Listener">True when the IPv6 redirect listener is open; IPv6 service addresses are intercepted only then.</param>
/// <param name="Problem">Why IPv6 service addresses are not intercepted (no listener, ip6tables failing), or null.</param>
public sealed record Ipv6RuleStatus(string? Binary, int Rules, bool Listener, string? Problem);
