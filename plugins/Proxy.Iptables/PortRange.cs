namespace PluginMesh.Plugins.Proxy.Iptables;

/// <summary>An inclusive port range, e.g. <c>30000-32000</c>.</summary>
public sealed record PortRange(int First, int Last)
{
    /// <summary>Parses <c>FIRST-LAST</c>.</summary>
    public static bool TryParse(string text, out PortRange range)
    {
        range = new PortRange(0, 0);
        var parts = (text ?? "").Split('-', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2) return false;
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var a) ||
            !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var b)) return false;
        if (a < 1 || b > 65535 || a > b) return false;
        range = new PortRange(a, b);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => $"{First}-{Last}";
}
