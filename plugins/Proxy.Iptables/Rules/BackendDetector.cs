using System.ComponentModel;

namespace PluginMesh.Plugins.Proxy.Iptables.Rules;

/// <summary>
/// Picks iptables-nft or iptables-legacy. Rules must live in the backend kube-proxy and kubelet use,
/// or the two rule sets are evaluated separately and ordering guarantees vanish. Like kube-proxy's
/// iptables-wrapper, the backend holding more <c>KUBE-</c> rules wins; with none, the system's
/// <c>iptables</c> alternative decides.
/// </summary>
public static class BackendDetector
{
    /// <summary>Detects the tools; <paramref name="configured"/> (config <c>iptablesBinary</c>) wins when set.</summary>
    public static async Task<IptablesTools> DetectAsync(CommandRunner runner, string? configured, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        if (configured is not null) return new IptablesTools(configured, await VersionBackendAsync(runner, configured, cancellationToken).ConfigureAwait(false));

        var legacy = await CountKubeLinesAsync(runner, "iptables-legacy-save", cancellationToken).ConfigureAwait(false);
        var nft = await CountKubeLinesAsync(runner, "iptables-nft-save", cancellationToken).ConfigureAwait(false);
        if (legacy > nft) return new IptablesTools("iptables-legacy", "legacy");
        if (nft > legacy) return new IptablesTools("iptables-nft", "nf_tables");
        return new IptablesTools("iptables", await VersionBackendAsync(runner, "iptables", cancellationToken).ConfigureAwait(false));
    }

    private static async Task<int> CountKubeLinesAsync(CommandRunner runner, string save, CancellationToken cancellationToken)
    {
        try
        {
            var r = await runner.RunAsync(save, [], null, cancellationToken).ConfigureAwait(false);
            return r.ExitCode != 0 ? -1 : r.Stdout.Split('\n').Count(l => l.Contains("KUBE-", StringComparison.Ordinal));
        }
        catch (Win32Exception)
        {
            return -1;
        }
    }

    private static async Task<string> VersionBackendAsync(CommandRunner runner, string binary, CancellationToken cancellationToken)
    {
        try
        {
            var r = await runner.RunAsync(binary, ["-V"], null, cancellationToken).ConfigureAwait(false);
            if (r.Stdout.Contains("nf_tables", StringComparison.Ordinal)) return "nf_tables";
            if (r.Stdout.Contains("legacy", StringComparison.Ordinal)) return "legacy";
            return "unknown";
        }
        catch (Win32Exception)
        {
            return "unknown";
        }
    }
}
