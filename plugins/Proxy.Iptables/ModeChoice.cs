using System.Globalization;

namespace PluginMesh.Plugins.Proxy.Iptables;

/// <summary>
/// The mode the proxy runs in and why (<c>proxy.mode</c> and <c>proxy.modeReason</c> in <c>/status</c>).
/// <c>auto</c> picks iptables only where the agent can change the nat table: root, with
/// <c>CAP_NET_ADMIN</c>, and iptables tools installed. Anything less is listen mode with the reason,
/// so that an agent started as root on a host or in a container without iptables still serves DNS,
/// the tunnel and its local ports instead of failing to start. A configured <c>mode: iptables</c> (or
/// <c>iptablesBinary</c>) is the operator's requirement and fails the start loudly when it cannot be met.
/// </summary>
/// <param name="Mode"><see cref="ProxyMode.Iptables"/> or <see cref="ProxyMode.Listen"/>.</param>
/// <param name="Reason">Why, e.g. <c>configured</c> or <c>auto: not running as root</c>.</param>
/// <param name="FellBack">
/// <c>auto</c> chose listen mode for an agent running as root: worth a warning, since interception was
/// most likely wanted.
/// </param>
public readonly record struct ModeChoice(ProxyMode Mode, string Reason, bool FellBack = false)
{
    /// <summary>The save tools <see cref="Rules.BackendDetector"/> can use; one of them must be on PATH.</summary>
    internal static readonly string[] SaveTools = ["iptables-save", "iptables-legacy-save", "iptables-nft-save"];

    /// <summary>The choice for this process.</summary>
    public static ModeChoice Resolve(ProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Resolve(options.Mode, options.IptablesBinary, Environment.IsPrivilegedProcess, HasNetAdmin, IsOnPath);
    }

    /// <summary>The choice for the given facts (tests pass their own).</summary>
    internal static ModeChoice Resolve(ProxyMode configured, string? iptablesBinary, bool root, Func<bool> netAdmin, Func<string, bool> onPath)
    {
        if (configured != ProxyMode.Auto) return new(configured, "configured");
        if (!root) return new(ProxyMode.Listen, "auto: not running as root");
        if (!netAdmin()) return new(ProxyMode.Listen, "auto: running as root without CAP_NET_ADMIN (a container without that capability?)", FellBack: true);
        if (iptablesBinary is null && !SaveTools.Any(onPath))
            return new(ProxyMode.Listen, $"auto: no iptables tools found ({string.Join(", ", SaveTools)} not on PATH; install iptables)", FellBack: true);
        return new(ProxyMode.Iptables, iptablesBinary is null ? "auto: root with CAP_NET_ADMIN and iptables" : "auto: root with CAP_NET_ADMIN and iptablesBinary set");
    }

    /// <summary>CAP_NET_ADMIN (bit 12) in the effective set, from <c>/proc/self/status</c>; true where that cannot be read.</summary>
    private static bool HasNetAdmin()
    {
        const int capNetAdmin = 12;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("CapEff:", StringComparison.Ordinal)) continue;
                return !ulong.TryParse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var caps) || (caps & (1UL << capNetAdmin)) != 0;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return true;
    }

    /// <summary>Whether <paramref name="tool"/> is an existing file in one of PATH's directories.</summary>
    private static bool IsOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}
