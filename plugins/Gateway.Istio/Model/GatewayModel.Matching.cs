using System.Text.RegularExpressions;

namespace PluginMesh.Plugins.Gateway.Istio.Model;

// The behaviour of the model records declared in GatewayModel.cs: string matches, weighted picks,
// and the per-listener choice of server and route.

public sealed partial record StringMatch
{
    /// <summary>How long one regex match may run before it counts as no match.</summary>
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    private readonly CompiledPattern compiled = new();

    public partial bool IsMatch(string input) => IsMatch(input, Kind == MatchKind.Regex ? compiled.Get(Value, IgnoreCase, out _) : null);

    /// <summary>As <see cref="IsMatch(string)"/>, a regex compiled with <paramref name="timeout"/> (tests).</summary>
    internal bool IsMatch(string input, TimeSpan timeout) =>
        IsMatch(input, Kind == MatchKind.Regex && TryCompile(Value, IgnoreCase, timeout, out var regex, out _) ? regex : null);

    /// <summary>
    /// Compiles a regex match now (the builder calls it once, so requests never compile and an invalid
    /// pattern is found at build time); true for other kinds.
    /// </summary>
    internal bool TryPrepare(out string? error)
    {
        error = null;
        return Kind != MatchKind.Regex || compiled.Get(Value, IgnoreCase, out error) is not null;
    }

    /// <summary>
    /// Compiles an Istio (RE2) pattern to match a whole value: .NET's non-backtracking engine, which like
    /// RE2 runs in linear time and has no backreferences or lookaround. <c>(?P&lt;name&gt;</c> is RE2's spelling of a named group.
    /// </summary>
    private static bool TryCompile(string pattern, bool ignoreCase, TimeSpan timeout, out Regex? regex, out string? error)
    {
        regex = null;
        error = null;
        var options = RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        try
        {
            regex = new Regex($"^(?:{pattern.Replace("(?P<", "(?<", StringComparison.Ordinal)})\\z", options, timeout);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            error = e.Message;
            return false;
        }
    }

    private bool IsMatch(string input, Regex? regex)
    {
        if (input is null) return false;
        var comparison = IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        switch (Kind)
        {
            case MatchKind.Exact:
                return string.Equals(input, Value, comparison);
            case MatchKind.Prefix:
                return input.StartsWith(Value, comparison);
            case MatchKind.Regex:
                try
                {
                    return regex is not null && regex.IsMatch(input);
                }
                catch (RegexMatchTimeoutException)
                {
                    return false;
                }

            default:
                return false;
        }
    }

    /// <summary>The regex of a <see cref="MatchKind.Regex"/> match, compiled on first use (null when the pattern is invalid).</summary>
    private sealed class CompiledPattern : RecordCache
    {
        private Entry? entry;

        public Regex? Get(string pattern, bool ignoreCase, out string? error)
        {
            // A `with` copy shares this cache: the entry says which pattern it was compiled for.
            var current = Volatile.Read(ref entry);
            if (current is null || current.IgnoreCase != ignoreCase || !string.Equals(current.Pattern, pattern, StringComparison.Ordinal))
            {
                TryCompile(pattern, ignoreCase, RegexTimeout, out var regex, out var problem);
                current = new Entry(pattern, ignoreCase, regex, problem);
                Volatile.Write(ref entry, current);
            }

            error = current.Error;
            return current.Regex;
        }

        private sealed record Entry(string Pattern, bool IgnoreCase, Regex? Regex, string? Error);
    }
}

public sealed partial record HttpRoute
{
    private readonly WeightedRoundRobin picker = new();

    public partial RouteDestination PickDestination() => picker.Pick(Destinations, Name);
}

public sealed partial record StreamRoute
{
    private readonly WeightedRoundRobin picker = new();

    public partial RouteDestination PickDestination() => picker.Pick(Destinations, Name);
}

public sealed partial record GatewayListener
{
    public partial GatewayServer? ServerForSni(string? sni)
    {
        if (Servers.Count == 0) return null;
        if (string.IsNullOrEmpty(sni)) return Servers[0];
        GatewayServer? best = null;
        var bestScore = -1;
        foreach (var server in Servers)
        {
            foreach (var host in server.Hosts)
            {
                var score = HostPattern.Specificity(host, sni);
                if (score > bestScore)
                {
                    best = server;
                    bestScore = score;
                }
            }
        }

        return best;
    }

    public partial HttpRoute? MatchHttp(string host, string method, string path, string query, Func<string, string?> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (!ServersCover(host)) return null;
        Dictionary<string, string>? parameters = null;
        foreach (var route in HttpRoutes)
        {
            if (!HostPattern.AnyCovers(route.Hosts, host)) continue;
            if (route.Matches.Count == 0) return route;
            foreach (var match in route.Matches)
            {
                if (Holds(match, host, method, path, query, header, ref parameters)) return route;
            }
        }

        return null;
    }

    public partial StreamRoute? MatchStream(string? sni)
    {
        var byName = Protocol == ServerProtocol.Tls;
        if (byName && (string.IsNullOrEmpty(sni) || !ServersCover(sni))) return null;
        foreach (var route in StreamRoutes)
        {
            if (route.Port is { } port && port != Port) continue;
            if (!byName || HostPattern.AnyCovers(route.SniHosts, sni!)) return route;
        }

        return null;
    }

    private bool ServersCover(string host)
    {
        foreach (var server in Servers)
        {
            if (HostPattern.AnyCovers(server.Hosts, host)) return true;
        }

        return false;
    }

    private bool Holds(HttpMatch match, string host, string method, string path, string query, Func<string, string?> header, ref Dictionary<string, string>? parameters)
    {
        if (match.Port is { } port && port != Port) return false;
        if (match.Uri is { } uri && !uri.IsMatch(path)) return false;
        if (match.Method is { } m && !m.IsMatch(method)) return false;
        if (match.Authority is { } authority && !authority.IsMatch(host)) return false;
        foreach (var (name, value) in match.Headers)
        {
            if (header(name) is not { } actual || !value.IsMatch(actual)) return false;
        }

        foreach (var (name, value) in match.WithoutHeaders)
        {
            if (header(name) is { } actual && value.IsMatch(actual)) return false;
        }

        if (match.QueryParams is { Count: > 0 } wanted)
        {
            parameters ??= QueryParameters(query);
            foreach (var (name, value) in wanted)
            {
                if (!parameters.TryGetValue(name, out var actual) || !value.IsMatch(actual)) return false;
            }
        }

        return true;
    }

    // First value of each name, percent-decoded ('+' is a space in a query).
    private static Dictionary<string, string> QueryParameters(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            result.TryAdd(name, equals < 0 ? "" : Decode(pair[(equals + 1)..]));
        }

        return result;
    }

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
