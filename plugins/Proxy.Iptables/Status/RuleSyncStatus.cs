namespace PluginMesh.Plugins.Proxy.Iptables.Status;

/// <summary>Interception rule state.</summary>
/// <param name="Binary">iptables binary in use, or null before the first sync.</param>
/// <param name="Backend"><c>nf_tables</c>, <c>legacy</c> or <c>unknown</c>.</param>
/// <param name="Rules">Rules installed in our chain.</param>
/// <param name="LastSync">When the last sync finished.</param>
/// <param name="LastSyncMs">Its duration.</param>
/// <param name="LastSyncKind"><c>install</c>, <c>rewrite</c>, <c>incremental</c> or <c>none</c>.</param>
/// <param name="LastError">Last error, or null.</param>
public sealed record RuleSyncStatus(string? Binary, string? Backend, int Rules, DateTimeOffset? LastSync, double? LastSyncMs, string LastSyncKind, string? LastError);
