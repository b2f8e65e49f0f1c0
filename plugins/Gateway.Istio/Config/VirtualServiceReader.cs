namespace PluginMesh.Plugins.Gateway.Istio.Config;

/// <summary>A VirtualService read once, before it is bound to the listeners of the Gateways it names.</summary>
/// <param name="Id">The VirtualService, <c>namespace/name</c>.</param>
/// <param name="Created">Its creation time (Istio merges VirtualServices oldest first), MaxValue when unknown.</param>
/// <param name="Gateways">The Gateways it binds to (<c>namespace/name</c>; <c>mesh</c> left out).</param>
/// <param name="Http">Its HTTP routes.</param>
/// <param name="Tcp">Its TCP routes.</param>
/// <param name="Tls">Its TLS (SNI) routes.</param>
internal sealed record ParsedVirtualService(
    string Id, DateTimeOffset Created, IReadOnlySet<string> Gateways,
    IReadOnlyList<BindableHttpRoute> Http, IReadOnlyList<BindableStreamRoute> Tcp, IReadOnlyList<BindableStreamRoute> Tls)
{
    /// <summary>Its namespace (what a Gateway's <c>ns/host</c> grants are checked against).</summary>
    public string Namespace => Id[..Id.IndexOf('/', StringComparison.Ordinal)];
}

/// <summary>An HTTP route and, per match, the Gateways that match names (<c>match[].gateways</c>; null: the VirtualService's).</summary>
internal sealed record BindableHttpRoute(HttpRoute Route, IReadOnlyList<IReadOnlySet<string>?> MatchGateways);

/// <summary>A TCP or TLS route and the Gateways its match names (null: the VirtualService's).</summary>
internal sealed record BindableStreamRoute(StreamRoute Route, IReadOnlySet<string>? Gateways);

/// <summary>
/// Reads an Istio <c>VirtualService</c>: hosts, gateways, and its <c>http[]</c>, <c>tcp[]</c> and <c>tls[]</c>
/// routes with their destinations resolved to Services. What cannot be served as written is skipped with
/// a warning naming the field: a match (the route keeps its other matches), a destination (the route
/// keeps the others), or the route.
/// </summary>
/// <param name="services">The catalog's Services, to resolve destination ports.</param>
/// <param name="clusterDomain">The cluster's DNS domain, for qualified destination hosts (null: any).</param>
internal sealed class VirtualServiceReader(IReadOnlyDictionary<ServiceKey, MeshService> services, string? clusterDomain)
{
    /// <summary>The VirtualService, or null after a warning when it is unusable as a whole.</summary>
    public ParsedVirtualService? Read(MeshResource resource, JsonElement root, ObjectProblems problems)
    {
        var id = IstioResources.Id(resource.Key);
        var ns = IstioResources.Namespace(resource.Key);
        var top = new Field(root, "", problems);
        var spec = top["spec"];
        if (!spec.Present || spec.Value.ValueKind != JsonValueKind.Object) return Skip(problems, "spec: missing or not an object");
        if (!spec["hosts"].TryStrings(out var hosts)) return Skip(problems);
        if (hosts.Count == 0) return Skip(problems, "spec.hosts: missing or empty");
        if (!spec["gateways"].TryStrings(out var gatewayNames)) return Skip(problems);
        var gateways = GatewayRefs(gatewayNames, ns);

        var created = DateTimeOffset.MaxValue;
        if (top["metadata"]["creationTimestamp"].Value is { ValueKind: JsonValueKind.String } stamp &&
            DateTimeOffset.TryParse(stamp.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            created = parsed;
        }

        var http = new List<BindableHttpRoute>();
        if (spec["http"].TryItems(out var httpItems))
        {
            for (var i = 0; i < httpItems.Count; i++)
            {
                if (ReadHttp(httpItems[i], $"{id}#{i}", id, ns, hosts) is { } route) http.Add(route);
            }
        }

        return new ParsedVirtualService(id, created, gateways, http, ReadStreams(spec["tcp"], id, ns, sni: false), ReadStreams(spec["tls"], id, ns, sni: true));
    }

    private static ParsedVirtualService? Skip(ObjectProblems problems, string? problem = null)
    {
        problems.Warn("", problem is null ? "VirtualService skipped" : $"{problem}; VirtualService skipped");
        return null;
    }

    // `name` (the object's namespace), `namespace/name`; `mesh` means the sidecars, not a gateway.
    private static HashSet<string> GatewayRefs(List<string> names, string ns) =>
        [.. names.Where(n => n != "mesh").Select(n => n.Contains('/', StringComparison.Ordinal) ? n : $"{ns}/{n}")];

    private BindableHttpRoute? ReadHttp(Field entry, string defaultName, string id, string ns, List<string> hosts)
    {
        if (!entry.TryObject(out _) || !entry.Present) return NoRoute(entry, entry.Present ? null : "empty");
        if (!entry["name"].TryString(out var name)) return NoRoute(entry);
        name = string.IsNullOrWhiteSpace(name) ? defaultName : name.Trim();

        if (!entry["match"].TryItems(out var matchItems)) return NoRoute(entry);
        var matches = new List<HttpMatch>();
        var matchGateways = new List<IReadOnlySet<string>?>();
        foreach (var item in matchItems)
        {
            if (!ReadMatch(item, ns, out var match, out var gateways)) continue;
            matches.Add(match!);
            matchGateways.Add(gateways);
        }

        // Dropping every match would leave a route that takes every request.
        if (matchItems.Count > 0 && matches.Count == 0) return NoRoute(entry["match"], "every match was skipped");

        if (entry["delegate"].Present) return NoRoute(entry["delegate"], "delegate is not supported");
        var actions = new[] { "route", "redirect", "directResponse" }.Count(a => entry[a].Present);
        if (actions != 1) return NoRoute(entry, actions == 0 ? "no route, redirect or directResponse" : "more than one of route, redirect and directResponse");

        HttpDirectResponse? direct = null;
        IReadOnlyList<RouteDestination> destinations = [];
        if (entry["route"].Present)
        {
            if (ReadDestinations(entry["route"], ns) is not { } read) return NoRoute(entry);
            destinations = read;
        }
        else if (entry["redirect"].Present)
        {
            if (ReadRedirect(entry["redirect"]) is not { } redirect) return NoRoute(entry);
            direct = redirect;
        }
        else if (ReadDirectResponse(entry["directResponse"]) is { } response)
        {
            direct = response;
        }
        else
        {
            return NoRoute(entry);
        }

        if (!ReadRewrite(entry["rewrite"], out var rewrite) || !entry["timeout"].TryDuration(out var timeout) || !ReadRetries(entry["retries"], out var retries)
            || !ReadHeaders(entry["headers"], out var headers) || !ReadCors(entry["corsPolicy"], out var cors) || !ReadFault(entry["fault"], out var fault)
            || !ReadMirrors(entry, ns, out var mirrors))
        {
            return NoRoute(entry);
        }

        // Istio: a zero timeout is no timeout.
        if (timeout == TimeSpan.Zero) timeout = null;
        var route = new HttpRoute(name, id, hosts, matches, destinations, rewrite, timeout, retries, direct, headers, cors, fault, mirrors);
        return new BindableHttpRoute(route, matchGateways);
    }

    private static BindableHttpRoute? NoRoute(Field field, string? problem = null)
    {
        field.Warn(problem is null ? "route skipped" : $"{problem}; route skipped");
        return null;
    }

    private bool ReadMatch(Field match, string ns, out HttpMatch? result, out IReadOnlySet<string>? gateways)
    {
        result = null;
        gateways = null;
        if (!match.Present || match.Value.ValueKind != JsonValueKind.Object) return NoMatch(match, match.Present ? "not an object" : "empty");
        if (match["scheme"].Present) return NoMatch(match["scheme"], "scheme matches are not supported");
        foreach (var ignored in new[] { "sourceLabels", "sourceNamespace" })
        {
            if (match[ignored].Present) match[ignored].Warn("ignored at a gateway");
        }

        if (!match["ignoreUriCase"].TryBool(out var ignoreCase) ||
            !ReadStringMatch(match["uri"], ignoreCase, out var uri) ||
            !ReadStringMatch(match["method"], false, out var method) ||
            !ReadStringMatch(match["authority"], false, out var authority) ||
            !ReadStringMatches(match["headers"], lowerCaseNames: true, out var headers) ||
            !ReadStringMatches(match["withoutHeaders"], lowerCaseNames: true, out var withoutHeaders) ||
            !ReadStringMatches(match["queryParams"], lowerCaseNames: false, out var queryParams) ||
            !match["port"].TryInt(1, 65535, out var port) ||
            !match["gateways"].TryStrings(out var names))
        {
            return NoMatch(match);
        }

        if (match["gateways"].Present) gateways = GatewayRefs(names, ns);
        result = new HttpMatch(uri, method, authority, headers!, withoutHeaders!, port, queryParams);
        return true;
    }

    private static bool NoMatch(Field field, string? problem = null)
    {
        field.Warn(problem is null ? "match skipped" : $"{problem}; match skipped");
        return false;
    }

    // A StringMatch: one of exact, prefix, regex; `{}` matches any value (for headers and query parameters: any present one).
    private static bool ReadStringMatch(Field field, bool ignoreCase, out StringMatch? match)
    {
        match = null;
        if (!field.TryMembers(out var members)) return false;
        if (!field.Present) return true;
        var kinds = members.Where(m => m.Name is "exact" or "prefix" or "regex").ToList();
        if (kinds.Count > 1) return field.Warn("more than one of exact, prefix and regex");
        if (kinds.Count == 0)
        {
            match = new StringMatch(MatchKind.Prefix, "", ignoreCase);
            return true;
        }

        var (kindName, value) = kinds[0];
        if (!value.TryString(out var text)) return false;
        if (text is null) return value.Warn("no value");
        var kind = kindName switch { "exact" => MatchKind.Exact, "prefix" => MatchKind.Prefix, _ => MatchKind.Regex };
        match = new StringMatch(kind, text, ignoreCase);
        if (match.TryPrepare(out var error)) return true;
        match = null;
        return value.Warn($"invalid regex '{text}': {error}");
    }

    private static bool ReadStringMatches(Field field, bool lowerCaseNames, out Dictionary<string, StringMatch>? matches)
    {
        matches = new Dictionary<string, StringMatch>(lowerCaseNames ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        if (!field.TryMembers(out var members)) return false;
        foreach (var (name, value) in members)
        {
            if (name.Length == 0) return field.Warn("empty name");
            if (!ReadStringMatch(value, false, out var match)) return false;
            matches[lowerCaseNames ? name.ToLowerInvariant() : name] = match ?? new StringMatch(MatchKind.Prefix, "");
        }

        return true;
    }

    // route[]: destinations with weights; null after warnings when none is left.
    private List<RouteDestination>? ReadDestinations(Field route, string ns)
    {
        if (!route.TryItems(out var items)) return null;
        var read = new List<(RouteDestination Destination, int? Weight)>();
        foreach (var item in items)
        {
            if (ReadDestination(item, ns, out var weight) is { } destination) read.Add((destination, weight));
        }

        if (read.Count == 0)
        {
            route.Warn("no usable destination");
            return null;
        }

        // One destination takes everything; several without weights share evenly; a missing weight among given ones is 0.
        if (read.Count == 1) return [read[0].Destination with { Weight = 100 }];
        if (read.All(r => r.Weight is null)) return [.. read.Select(r => r.Destination with { Weight = 1 })];
        if (read.Any(r => r.Weight is null)) route.Warn("a destination without weight among weighted ones gets none of the traffic");
        var result = read.Select(r => r.Destination with { Weight = r.Weight ?? 0 }).ToList();
        if (result.All(d => d.Weight == 0))
        {
            route.Warn("every weight is 0");
            return null;
        }

        return result;
    }

    private RouteDestination? ReadDestination(Field item, string ns, out int? weight)
    {
        weight = null;
        if (!item.TryObject(out _) || !item["weight"].TryInt(0, 1_000_000, out weight) || !ReadHeaders(item["headers"], out var headers)) return NoDestination(item);
        return ReadTarget(item["destination"], ns) is { } target ? target with { Headers = headers } : null;
    }

    // A Destination (host, port, subset): the Service port it names; null after a warning.
    private RouteDestination? ReadTarget(Field destination, string ns)
    {
        if (!destination.Present) return NoDestination(destination, "missing");
        if (!destination.TryObject(out _) || !destination["host"].TryRequiredString(out var host)) return NoDestination(destination);
        if (!ServiceHostName.TryResolve(host, ns, clusterDomain, out var service, out var problem)) return NoDestination(destination["host"], problem);
        if (!destination["port"].TryObject(out _) || !destination["port"]["number"].TryInt(1, 65535, out var port)) return NoDestination(destination);
        if (destination["subset"].Present) destination["subset"].Warn("ignored: every endpoint of the Service serves (subsets are not supported)");

        if (!services.TryGetValue(service!, out var known))
        {
            if (port is null) return NoDestination(destination["port"], $"missing, and Service {service} is unknown");
            destination["host"].Warn($"Service {service} is not in the catalog (kept: its requests fail until it appears)");
            return new RouteDestination(service!, port.Value, 0);
        }

        if (port is null)
        {
            if (known.Ports.Count != 1) return NoDestination(destination["port"], $"missing, and Service {service} has {known.Ports.Count} ports");
            port = known.Ports[0].Port;
        }
        else if (!known.Ports.Any(p => p.Port == port))
        {
            destination["port"].Warn($"Service {service} has no port {port} (kept: its requests fail until it has)");
        }

        return new RouteDestination(service!, port.Value, 0);
    }

    // mirror + mirrorPercentage / mirrorPercent (older), and mirrors[] {destination, percentage}; null when none.
    private bool ReadMirrors(Field entry, string ns, out IReadOnlyList<HttpMirror>? mirrors)
    {
        mirrors = null;
        var read = new List<HttpMirror>();
        if (entry["mirror"].Present)
        {
            if (!ReadPercent(entry["mirrorPercentage"], entry["mirrorPercent"], out var percent)) return false;
            if (ReadTarget(entry["mirror"], ns) is { } target) read.Add(new HttpMirror(target, percent));
        }
        if (!entry["mirrors"].TryItems(out var items)) return false;
        foreach (var item in items)
        {
            if (!item.TryObject(out _) || !ReadPercent(item["percentage"], item["percent"], out var percent)) return false;
            if (ReadTarget(item["destination"], ns) is { } target) read.Add(new HttpMirror(target, percent));
        }
        if (read.Count > 0) mirrors = read;
        return true;
    }

    // Istio HTTPFaultInjection: delay {fixedDelay, percentage{value} | percent}, abort {httpStatus, percentage{value}}.
    private static bool ReadFault(Field field, out HttpFault? fault)
    {
        fault = null;
        if (!field.TryObject(out var present)) return false;
        if (!present) return true;
        TimeSpan? delay = null;
        double delayPercent = 0, abortPercent = 0;
        int? status = null;
        var delayField = field["delay"];
        if (delayField.Present)
        {
            if (!delayField.TryObject(out _) || !delayField["fixedDelay"].TryDuration(out delay) || !ReadPercent(delayField["percentage"], delayField["percent"], out delayPercent)) return false;
            if (delay is null) return delayField.Warn("fixedDelay missing (exponentialDelay is not supported)");
        }
        var abortField = field["abort"];
        if (abortField.Present)
        {
            if (!abortField.TryObject(out _) || !abortField["httpStatus"].TryInt(200, 599, out status) || !ReadPercent(abortField["percentage"], abortField["percent"], out abortPercent)) return false;
            if (status is null) return abortField.Warn("httpStatus missing (grpcStatus and http2Error are not supported)");
        }
        if (delay is not null || status is not null) fault = new HttpFault(delay, delayPercent, status, abortPercent);
        return true;
    }

    // percentage: {value: 0–100} (a double); the older percent: 0–100 (an integer); neither: 100.
    private static bool ReadPercent(Field percentage, Field percent, out double value)
    {
        value = 100;
        if (percentage.Present)
        {
            if (!percentage.TryObject(out _)) return false;
            var v = percentage["value"];
            if (!v.Present) return true;
            if (v.Value.ValueKind != System.Text.Json.JsonValueKind.Number || !v.Value.TryGetDouble(out value) || value is < 0 or > 100)
                return v.Warn("not a number from 0 to 100");
            return true;
        }
        if (!percent.TryInt(0, 100, out var whole)) return false;
        if (whole is int p) value = p;
        return true;
    }

    // Istio CorsPolicy; null when absent or when it allows no origin.
    private static bool ReadCors(Field field, out CorsPolicy? cors)
    {
        cors = null;
        if (!field.TryObject(out var present)) return false;
        if (!present) return true;
        // Absent lists read as empty.
        if (!field["allowOrigins"].TryItems(out var items) || !field["allowOrigin"].TryStrings(out var legacy)
            || !field["allowMethods"].TryStrings(out var methods) || !field["allowHeaders"].TryStrings(out var allowHeaders)
            || !field["exposeHeaders"].TryStrings(out var expose)
            || !field["maxAge"].TryDuration(out var maxAge) || !field["allowCredentials"].TryBool(out var credentials))
        {
            return false;
        }
        var origins = new List<StringMatch>();
        foreach (var item in items)
        {
            if (!ReadStringMatch(item, false, out var match)) return false;
            if (match is not null) origins.Add(match);
        }
        origins.AddRange(legacy.Select(o => o == "*" ? new StringMatch(MatchKind.Prefix, "") : new StringMatch(MatchKind.Exact, o)));
        if (methods.Concat(allowHeaders).Concat(expose).FirstOrDefault(t => !IsHeaderName(t)) is { } bad) return field.Warn($"'{bad}' is not a method or header name");
        if (field["unmatchedPreflights"].TryString(out var unmatched) && unmatched is not null && unmatched != "FORWARD")
            field["unmatchedPreflights"].Warn($"ignored: preflights from origins not allowed are forwarded ({unmatched} is not supported)");
        if (origins.Count > 0) cors = new CorsPolicy(origins, methods, allowHeaders, expose, maxAge, credentials);
        return true;
    }

    // Istio Headers: {request, response}, each {set, add, remove}; null when absent or empty.
    private static bool ReadHeaders(Field field, out HeaderRules? rules)
    {
        rules = null;
        if (!field.TryObject(out var present)) return false;
        if (!present) return true;
        if (!ReadHeaderOperations(field["request"], out var request) || !ReadHeaderOperations(field["response"], out var response)) return false;
        rules = request is null && response is null ? null : new HeaderRules(request, response);
        return true;
    }

    private static bool ReadHeaderOperations(Field field, out HeaderOperations? operations)
    {
        operations = null;
        if (!field.TryObject(out var present)) return false;
        if (!present) return true;
        if (!ReadHeaderValues(field["set"], out var set) || !ReadHeaderValues(field["add"], out var add)) return false;
        if (!field["remove"].TryStrings(out var remove)) return false;
        if (remove.FirstOrDefault(n => !IsHeaderName(n)) is { } bad) return field["remove"].Warn($"'{bad}' is not a header name");
        if (set.Count + add.Count + remove.Count > 0) operations = new HeaderOperations(set, add, remove);
        return true;
    }

    private static bool ReadHeaderValues(Field field, out List<KeyValuePair<string, string>> values)
    {
        values = [];
        if (!field.TryMembers(out var members)) return false;
        foreach (var (name, value) in members)
        {
            if (!IsHeaderName(name)) return field.Warn($"'{name}' is not a header name");
            if (!value.TryString(out var text)) return false;
            if (text is not null && text.Any(c => c is '\r' or '\n' or '\0')) return value.Warn("a header value may not hold CR, LF or NUL");
            values.Add(new(name, text ?? ""));
        }
        return true;
    }

    // An HTTP token (RFC 9110): what a header name may be; pseudo-headers (":authority") are not set this way.
    private static bool IsHeaderName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c));

    private static RouteDestination? NoDestination(Field field, string? problem = null)
    {
        field.Warn(problem is null ? "destination skipped" : $"{problem}; destination skipped");
        return null;
    }

    private static bool ReadRewrite(Field field, out HttpRewrite? rewrite)
    {
        rewrite = null;
        if (!field.TryObject(out var present)) return false;
        if (!present) return true;
        if (field["uriRegexRewrite"].Present) return field["uriRegexRewrite"].Warn("not supported");
        if (!field["uri"].TryString(out var uri) || !field["authority"].TryString(out var authority)) return false;
        if (string.IsNullOrEmpty(uri) && string.IsNullOrEmpty(authority)) return true;
        rewrite = new HttpRewrite(string.IsNullOrEmpty(uri) ? null : uri, string.IsNullOrEmpty(authority) ? null : authority);
        return true;
    }

    private static bool ReadRetries(Field field, out HttpRetry? retries)
    {
        retries = null;
        if (!field.TryObject(out var present)) return false;
        if (!present) return true;
        if (!field["attempts"].TryInt(0, 100, out var attempts) || !field["perTryTimeout"].TryDuration(out var perTry) || !field["retryOn"].TryString(out var on))
        {
            return false;
        }

        // Without retryOn, Istio retries on what its default policy names.
        var conditions = string.IsNullOrWhiteSpace(on) ? HttpRetry.DefaultRetryOn
            : new HashSet<string>(on.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase);
        retries = new HttpRetry(attempts ?? 0, perTry == TimeSpan.Zero ? null : perTry, conditions);
        return true;
    }

    // Istio HTTPRedirect: Location from uri, authority, scheme and port; without uri the request's path is kept.
    private static HttpDirectResponse? ReadRedirect(Field field)
    {
        if (!field.TryObject(out _) ||
            !field["uri"].TryString(out var uri) || !field["authority"].TryString(out var authority) ||
            !field["scheme"].TryString(out var scheme) || !field["port"].TryInt(1, 65535, out var port) ||
            !field["redirectCode"].TryInt(300, 399, out var code))
        {
            return null;
        }

        if (field["derivePort"].Present) field["derivePort"].Warn("ignored");
        uri = string.IsNullOrEmpty(uri) ? null : uri;
        authority = string.IsNullOrEmpty(authority) ? null : authority;
        scheme = string.IsNullOrEmpty(scheme) ? null : scheme;
        if (authority is null && (scheme is not null || port is not null))
        {
            field.Warn("a scheme or port without authority is not supported");
            return null;
        }

        if (uri is null && authority is null)
        {
            field.Warn("neither uri nor authority");
            return null;
        }

        var origin = authority is null ? "" : $"{(scheme is null ? "" : scheme + ":")}//{authority}{(port is null ? "" : $":{port}")}";
        return new HttpDirectResponse(code ?? 301, origin + (uri ?? ""), null) { AppendRequestPath = uri is null };
    }

    private static HttpDirectResponse? ReadDirectResponse(Field field)
    {
        if (!field.TryObject(out _) || !field["status"].TryInt(100, 599, out var status)) return null;
        if (status is null)
        {
            field["status"].Warn("missing");
            return null;
        }

        var body = field["body"];
        if (!body.TryObject(out _) || !body["string"].TryString(out var text) || !body["bytes"].TryString(out var bytes)) return null;
        if (bytes is not null)
        {
            try
            {
                text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(bytes));
            }
            catch (FormatException)
            {
                body["bytes"].Warn("not base64");
                return null;
            }
        }

        return new HttpDirectResponse(status.Value, null, text);
    }

    // tcp[] or tls[]: one route per match (each has its own port and SNI names); a TCP route without matches takes its port's connections.
    private List<BindableStreamRoute> ReadStreams(Field list, string id, string ns, bool sni)
    {
        var result = new List<BindableStreamRoute>();
        if (!list.TryItems(out var items)) return result;
        var kind = sni ? "tls" : "tcp";
        for (var i = 0; i < items.Count; i++)
        {
            var entry = items[i];
            if (!entry.TryObject(out _) || !entry["match"].TryItems(out var matches))
            {
                entry.Warn("route skipped");
                continue;
            }

            if (sni && matches.Count == 0)
            {
                entry.Warn("a tls route needs match[].sniHosts; route skipped");
                continue;
            }

            if (ReadDestinations(entry["route"], ns) is not { } destinations)
            {
                entry.Warn("route skipped");
                continue;
            }

            var name = $"{id}#{kind}{i}";
            if (matches.Count == 0) result.Add(new BindableStreamRoute(new StreamRoute(name, id, [], null, destinations), null));
            for (var m = 0; m < matches.Count; m++)
            {
                var match = matches[m];
                if (!match.TryObject(out _) || !match["port"].TryInt(1, 65535, out var port) ||
                    !match["sniHosts"].TryStrings(out var sniHosts) || !match["gateways"].TryStrings(out var gateways))
                {
                    match.Warn("match skipped");
                    continue;
                }

                if (sni && sniHosts.Count == 0)
                {
                    match["sniHosts"].Warn("missing or empty; match skipped");
                    continue;
                }

                foreach (var ignored in new[] { "destinationSubnets", "sourceLabels", "sourceNamespace" })
                {
                    if (match[ignored].Present) match[ignored].Warn("ignored at a gateway");
                }

                var route = new StreamRoute(matches.Count == 1 ? name : $"{name}.{m}", id, sni ? sniHosts : [], port, destinations);
                result.Add(new BindableStreamRoute(route, match["gateways"].Present ? GatewayRefs(gateways, ns) : null));
            }
        }

        return result;
    }
}
