namespace PluginMesh.Plugins.Proxy.Iptables.Rules;

/// <summary>The iptables binaries of one backend.</summary>
/// <param name="Binary">e.g. <c>iptables-nft</c>.</param>
/// <param name="Backend"><c>nf_tables</c>, <c>legacy</c> or <c>unknown</c>.</param>
public sealed record IptablesTools(string Binary, string Backend)
{
    /// <summary>The matching restore tool.</summary>
    public string Restore => Binary + "-restore";

    /// <summary>The matching save tool.</summary>
    public string Save => Binary + "-save";
}
