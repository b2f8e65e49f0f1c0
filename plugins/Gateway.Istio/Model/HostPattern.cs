namespace PluginMesh.Plugins.Gateway.Istio.Model;

/// <summary>
/// Istio's host wildcards, for Gateway server hosts, VirtualService hosts and TLS <c>sniHosts</c>:
/// <c>*</c> covers every name, <c>*.example.com</c> (a leading <c>*</c>) every longer name ending in
/// <c>.example.com</c> — any number of labels, not <c>example.com</c> itself —, anything else only itself.
/// Case does not matter, nor a trailing dot on the name.
/// </summary>
internal static class HostPattern
{
    /// <summary>How well <paramref name="pattern"/> covers <paramref name="host"/>: -1 not at all, else higher is more specific (an exact name highest, <c>*</c> 0).</summary>
    public static int Specificity(string pattern, string host)
    {
        var name = WithoutDot(host);
        var written = pattern.AsSpan();
        if (written.Length > 0 && written[0] == '*')
        {
            var suffix = WithoutDot(written[1..]);
            return name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? suffix.Length : -1;
        }

        return WithoutDot(written).Equals(name, StringComparison.OrdinalIgnoreCase) ? int.MaxValue : -1;
    }

    /// <summary>True when one of <paramref name="patterns"/> covers <paramref name="host"/>.</summary>
    public static bool AnyCovers(IReadOnlyList<string> patterns, string host)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            if (Specificity(patterns[i], host) >= 0) return true;
        }

        return false;
    }

    /// <summary>The names both patterns cover, as one pattern (the narrower), or null when they share none.</summary>
    public static string? Intersect(string a, string b) => Includes(a, b) ? b : Includes(b, a) ? a : null;

    // True when pattern `outer` covers every name `inner` does.
    private static bool Includes(string outer, string inner)
    {
        if (inner.Length > 0 && inner[0] == '*')
        {
            if (outer.Length == 0 || outer[0] != '*') return false;
            var outerSuffix = WithoutDot(outer.AsSpan(1));
            var innerSuffix = WithoutDot(inner.AsSpan(1));
            return innerSuffix.Length >= outerSuffix.Length && innerSuffix.EndsWith(outerSuffix, StringComparison.OrdinalIgnoreCase);
        }

        return Specificity(outer, inner) >= 0;
    }

    // Per request: spans, no copies.
    private static ReadOnlySpan<char> WithoutDot(ReadOnlySpan<char> name) => name.Length > 0 && name[^1] == '.' ? name[..^1] : name;
}
