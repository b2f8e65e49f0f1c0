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

    /// <summary>
    /// The same backend's IPv6 tools (<c>iptables-nft</c> → <c>ip6tables-nft</c>, a directory kept); null
    /// when the file name does not start with <c>iptables</c> (a wrapper whose counterpart is unknown).
    /// </summary>
    public IptablesTools? Ipv6()
    {
        var name = Path.GetFileName(Binary);
        if (!name.StartsWith("iptables", StringComparison.Ordinal)) return null;
        return this with { Binary = Binary[..^name.Length] + "ip6" + name[2..] };
    }
}
