using System.Collections.Concurrent;
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
        // Building a non-backtracking regex costs about half a millisecond and 200 KB; the configuration is
        // rebuilt on every catalog change, so the regexes (immutable, thread-safe) outlive the configurations.
        private const int MaxShared = 4096;
        private static readonly ConcurrentDictionary<(string Pattern, bool IgnoreCase), Entry> Shared = new();

        private Entry? entry;

        public Regex? Get(string pattern, bool ignoreCase, out string? error)
        {
            // A `with` copy shares this cache: the entry says which pattern it was compiled for.
            var current = Volatile.Read(ref entry);
            if (current is null || current.IgnoreCase != ignoreCase || !string.Equals(current.Pattern, pattern, StringComparison.Ordinal))
            {
                if (!Shared.TryGetValue((pattern, ignoreCase), out current))
                {
                    TryCompile(pattern, ignoreCase, RegexTimeout, out var regex, out var problem);
                    current = new Entry(pattern, ignoreCase, regex, problem);
                    if (Shared.Count >= MaxShared) Shared.Clear();
                    Shared.TryAdd((pattern, ignoreCase), current);
                }

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

// Per request: index loops and a struct enumerator, so matching allocates nothing but the query parameters it reads.
public sealed partial record GatewayListener
{
    public partial GatewayServer? ServerForSni(string? sni)
    {
        if (Servers.Count == 0) return null;
        if (string.IsNullOrEmpty(sni)) return Servers[0];
        GatewayServer? best = null;
        var bestScore = -1;
        for (var s = 0; s < Servers.Count; s++)
        {
            var hosts = Servers[s].Hosts;
            for (var h = 0; h < hosts.Count; h++)
            {
                var score = HostPattern.Specificity(hosts[h], sni);
                if (score > bestScore)
                {
                    best = Servers[s];
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
        for (var r = 0; r < HttpRoutes.Count; r++)
        {
            var route = HttpRoutes[r];
            if (!HostPattern.AnyCovers(route.Hosts, host)) continue;
            if (route.Matches.Count == 0) return route;
            for (var m = 0; m < route.Matches.Count; m++)
            {
                if (Holds(route.Matches[m], host, method, path, query, header, ref parameters)) return route;
            }
        }

        return null;
    }

    public partial StreamRoute? MatchStream(string? sni)
    {
        var byName = Protocol == ServerProtocol.Tls;
        if (byName && (string.IsNullOrEmpty(sni) || !ServersCover(sni))) return null;
        for (var r = 0; r < StreamRoutes.Count; r++)
        {
            var route = StreamRoutes[r];
            if (route.Port is { } port && port != Port) continue;
            if (!byName || HostPattern.AnyCovers(route.SniHosts, sni!)) return route;
        }

        return null;
    }

    private bool ServersCover(string host)
    {
        for (var s = 0; s < Servers.Count; s++)
        {
            if (HostPattern.AnyCovers(Servers[s].Hosts, host)) return true;
        }

        return false;
    }

    private bool Holds(HttpMatch match, string host, string method, string path, string query, Func<string, string?> header, ref Dictionary<string, string>? parameters)
    {
        if (match.Port is { } port && port != Port) return false;
        if (match.Uri is { } uri && !uri.IsMatch(path)) return false;
        if (match.Method is { } m && !m.IsMatch(method)) return false;
        if (match.Authority is { } authority && !authority.IsMatch(host)) return false;
        if (!Each(match.Headers, present: true, header, static (read, name) => read(name))) return false;
        if (!Each(match.WithoutHeaders, present: false, header, static (read, name) => read(name))) return false;
        if (match.QueryParams is not { Count: > 0 } wanted) return true;
        parameters ??= QueryParameters(query);
        return Each(wanted, present: true, parameters, static (values, name) => values.TryGetValue(name, out var value) ? value : null);
    }

    // Every named value (read from `state`) present and matching, or for `present: false` absent or not matching.
    private static bool Each<TState>(IReadOnlyDictionary<string, StringMatch> matches, bool present, TState state, Func<TState, string, string?> read)
    {
        if (matches.Count == 0) return true;
        if (matches is Dictionary<string, StringMatch> dictionary)
        {
            foreach (var (name, match) in dictionary)
            {
                if (!Holds(name, match)) return false;
            }

            return true;
        }

        foreach (var (name, match) in matches)
        {
            if (!Holds(name, match)) return false;
        }

        return true;

        bool Holds(string name, StringMatch match) => read(state, name) is { } value ? match.IsMatch(value) == present : !present;
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
