using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>
/// Answers one HTTP request on a gateway port: the first matching route of the listener in effect
/// (404 when none), its redirect or direct response, or forwarding with YARP to a destination picked
/// by weight — with the route's rewrite, timeout (504) and retries — and the 502/503 naming why when
/// no endpoint could be reached. Records metrics and the access log. Thread-safe.
/// </summary>
internal sealed class HttpProxy(IHttpForwarder forwarder, ServiceClients clients, GatewayMetrics metrics, AccessLog? accessLog)
{
    // HTTP/1.1 to the endpoints: plain http, and h2c would need to know which backends speak it.
    private static readonly ForwarderRequestConfig RequestConfig = new()
    {
        ActivityTimeout = TimeSpan.FromSeconds(100),
        Version = HttpVersion.Version11,
        VersionPolicy = System.Net.Http.HttpVersionPolicy.RequestVersionOrLower,
    };

    // gRPC exists only over HTTP/2: to the endpoint with prior knowledge (h2c), as Istio does for grpc ports.
    private static readonly ForwarderRequestConfig GrpcConfig = new()
    {
        ActivityTimeout = TimeSpan.FromSeconds(100),
        Version = HttpVersion.Version20,
        VersionPolicy = System.Net.Http.HttpVersionPolicy.RequestVersionExact,
    };

    public async Task HandleAsync(HttpContext context, GatewayListener listener)
    {
        var start = Stopwatch.GetTimestamp();
        var started = accessLog is null ? default : DateTimeOffset.UtcNow;
        var request = context.Request;
        var outcome = new Outcome();
        try
        {
            await RouteAsync(context, listener, outcome).ConfigureAwait(false);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            var status = context.Response.StatusCode;
            metrics.Request(outcome.Route ?? "no_route", status, elapsed.TotalSeconds);
            accessLog?.Write(new AccessEntry(started, request.Method, request.Path.Value + request.QueryString.Value, request.Protocol, status,
                outcome.Flags, outcome.Details, request.ContentLength ?? 0, context.Response.ContentLength ?? 0, elapsed,
                Header(request, "X-Forwarded-For"), Header(request, "User-Agent"), Header(request, "X-Request-Id"), request.Host.Value,
                outcome.Cluster, Endpoint(context.Connection.LocalIpAddress, context.Connection.LocalPort),
                Endpoint(context.Connection.RemoteIpAddress, context.Connection.RemotePort),
                context.Features.Get<Microsoft.AspNetCore.Connections.Features.ITlsHandshakeFeature>()?.HostName, outcome.Route));
        }
    }

    private async Task RouteAsync(HttpContext context, GatewayListener listener, Outcome outcome)
    {
        var request = context.Request;
        var host = request.Host.Host.TrimEnd('.').ToLowerInvariant();
        var path = request.Path.HasValue ? request.Path.Value! : "/";
        if (listener.Protocol == ServerProtocol.Http && listener.ServerForSni(host)?.Tls is { HttpsRedirect: true })
        {
            outcome.Details = "https_redirect";
            await AnswerAsync(context, StatusCodes.Status301MovedPermanently, $"https://{request.Host.Host}{path}{request.QueryString}", null).ConfigureAwait(false);
            return;
        }
        // A body declared larger than the port allows is refused before anything is forwarded.
        if (request.ContentLength is long length && BodyLimit(context) is long max && length > max)
        {
            outcome.Details = "request_payload_too_large";
            await AnswerAsync(context, StatusCodes.Status413PayloadTooLarge, null, TooLarge(max, $"of {length} bytes ") + "\n").ConfigureAwait(false);
            return;
        }
        var route = listener.MatchHttp(host, request.Method, path, request.QueryString.Value ?? "", name => Header(request, name));
        if (route is null)
        {
            outcome.Flags = "NR";
            outcome.Details = "route_not_found";
            await AnswerAsync(context, StatusCodes.Status404NotFound, null, $"no route for {host}{path} on port {listener.Port}\n").ConfigureAwait(false);
            return;
        }
        outcome.Route = route.Name;
        var origin = route.Cors is { } cors && Header(request, "Origin") is { Length: > 0 } o && cors.Allows(o) ? o : null;
        if (origin is not null && CorsHeaders.IsPreflight(request))
        {
            // An allowed origin's preflight is answered here; other origins' go on to the endpoint.
            outcome.Details = "cors_preflight";
            CorsHeaders.Preflight(context.Response.Headers, route.Cors!, origin);
            await AnswerAsync(context, StatusCodes.Status200OK, null, null).ConfigureAwait(false);
            return;
        }
        if (route.Direct is { } direct)
        {
            outcome.Details = "direct_response";
            await AnswerAsync(context, direct.Status, direct.Location, direct.Body).ConfigureAwait(false);
            return;
        }
        if (route.Destinations.Count == 0)
        {
            outcome.Flags = "NR";
            outcome.Details = "route_has_no_destination";
            await AnswerAsync(context, StatusCodes.Status503ServiceUnavailable, null, $"route {route.Name} has no destination\n").ConfigureAwait(false);
            return;
        }

        if (route.Fault is { } fault && !await InjectFaultAsync(context, fault, outcome).ConfigureAwait(false)) return;
        if (route.Mirrors is { Count: > 0 } mirrors) Mirror(context, route, mirrors, path);

        var destination = route.PickDestination();
        var client = clients.Get(destination.Service, destination.Port);
        outcome.Cluster = client.Cluster;
        var transformer = new ForwardTransformer(Rewrite(route, path), route.Rewrite?.Authority ?? request.Host.Value ?? "",
            new TryPolicy(route.Name, RetryPolicy.For(route)), route.Headers, destination.Headers, origin is null ? null : (route.Cors!, origin));

        using var timeout = route.Timeout is { } limit ? CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted) : null;
        timeout?.CancelAfter(route.Timeout!.Value);
        var config = request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true ? GrpcConfig : RequestConfig;
        var error = await forwarder.SendAsync(context, client.Prefix, client.Invoker, config, transformer, timeout?.Token ?? context.RequestAborted).ConfigureAwait(false);
        // An upgraded connection (WebSocket) ends with one direction's copy cancelling the other's: its
        // normal end, however it closed, not an upstream failure.
        if (error is ForwarderError.None or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeResponseCanceled)
        {
            outcome.Details = "via_upstream";
            return;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        var upstream = UpstreamException.Find(exception);
        var (status, flag, text) = timeout is { IsCancellationRequested: true } && !context.RequestAborted.IsCancellationRequested
            ? (StatusCodes.Status504GatewayTimeout, "UT", $"upstream request timeout ({route.Timeout!.Value.TotalMilliseconds:0} ms) for route {route.Name}")
            : upstream is not null ? (upstream.Status, upstream.Flag, upstream.Message)
            // A body without a declared length (chunked) that outgrew the limit while it was forwarded.
            : UpstreamException.Find<BadHttpRequestException>(exception) is { StatusCode: StatusCodes.Status413PayloadTooLarge } && BodyLimit(context) is long bodyLimit
                ? (StatusCodes.Status413PayloadTooLarge, "-", TooLarge(bodyLimit, ""))
            : error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled
                or ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseClient
                ? (499, "DC", "client closed the request")
                : (StatusCodes.Status502BadGateway, "UC", $"upstream error ({error}) for route {route.Name}");
        outcome.Flags = flag;
        outcome.Details = flag == "UT" ? "upstream_response_timeout" : status == StatusCodes.Status413PayloadTooLarge ? "request_payload_too_large" : "upstream_failure";
        if (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await AnswerAsync(context, status, null, text + "\n").ConfigureAwait(false);
        }
    }

    // The route's fault injection (Envoy's fault filter): a delay before forwarding, or an abort answered
    // here instead. False when the request is answered (aborted) or gone.
    private static async Task<bool> InjectFaultAsync(HttpContext context, HttpFault fault, Outcome outcome)
    {
        if (fault.Delay is { } delay && Roll(fault.DelayPercent))
        {
            outcome.Flags = "DI";
            try
            {
                await Task.Delay(delay, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                outcome.Flags = "DC";
                return false;
            }
        }
        if (fault.AbortStatus is not int status || !Roll(fault.AbortPercent)) return true;
        outcome.Flags = "FI";
        outcome.Details = "fault_filter_abort";
        await AnswerAsync(context, status, null, "fault filter abort\n").ConfigureAwait(false);
        return false;
    }

    // Copies of the request for the route's mirrors (Envoy's shadowing): sent on the side, with "-shadow"
    // after the host, the forwarding headers and the route's request header operations, their answers
    // dropped; never awaited by the request (a fault's delay comes first, an abort sends no copy). A request with a body is not
    // copied (it is streamed, not kept), and counted as such.
    private void Mirror(HttpContext context, HttpRoute route, IReadOnlyList<HttpMirror> mirrors, string path)
    {
        var request = context.Request;
        foreach (var mirror in mirrors)
        {
            if (!Roll(mirror.Percent)) continue;
            if (request.ContentLength is > 0 || request.Headers.ContainsKey("Transfer-Encoding"))
            {
                metrics.Mirror(route.Name, "skipped_body");
                continue;
            }
            var client = clients.Get(mirror.Destination.Service, mirror.Destination.Port);
            var copy = new HttpRequestMessage(new HttpMethod(request.Method), RequestUtilities.MakeDestinationAddress(client.Prefix, Rewrite(route, path), request.QueryString));
            foreach (var (name, values) in request.Headers)
            {
                if (!HopByHop.Contains(name)) copy.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
            var host = route.Rewrite?.Authority ?? request.Host.Value ?? "";
            copy.Headers.Host = Shadow(host);
            // As Envoy shadows the request it forwards: with the forwarding headers and the route's header
            // operations (a destination's own apply to that destination only).
            ForwardTransformer.Forwarded(context, copy);
            ForwardTransformer.Apply(route.Headers?.Request, copy);
            _ = SendMirrorAsync(client.Invoker, copy, route.Name);
        }
    }

    private async Task SendMirrorAsync(HttpMessageInvoker invoker, HttpRequestMessage copy, string route)
    {
        using (copy)
        {
            try
            {
                using var timeout = new CancellationTokenSource(MirrorTimeout);
                using var response = await invoker.SendAsync(copy, timeout.Token).ConfigureAwait(false);
                metrics.Mirror(route, "sent");
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException or UpstreamException)
            {
                metrics.Mirror(route, "failed");
            }
        }
    }

    // "shop.example.com:8080" → "shop.example.com-shadow:8080", as Envoy names a shadowed request's authority.
    internal static string Shadow(string authority)
    {
        var colon = authority.LastIndexOf(':');
        return colon > 0 && !authority.EndsWith(']') && authority.IndexOf(']') < colon
            ? authority[..colon] + "-shadow" + authority[colon..]
            : authority + "-shadow";
    }

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Content-Length",
    };

    private static readonly TimeSpan MirrorTimeout = TimeSpan.FromSeconds(10);

    private static bool Roll(double percent) => percent >= 100 || (percent > 0 && Random.Shared.NextDouble() * 100 < percent);

    private static long? BodyLimit(HttpContext context) => context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;

    private static string TooLarge(long max, string size) =>
        $"request body {size}larger than this gateway port accepts ({max} bytes, maxRequestBodyBytes)";

    /// <summary>The path sent upstream: <see cref="HttpRewrite.UriPrefix"/> in place of the matched prefix (or of the whole path for other matches).</summary>
    internal static PathString Rewrite(HttpRoute route, string path)
    {
        if (route.Rewrite?.UriPrefix is not { } replacement) return new PathString(path);
        var prefix = route.Matches.Select(m => m.Uri).FirstOrDefault(u => u is { Kind: MatchKind.Prefix } && u.IsMatch(path));
        var rest = prefix is null ? "" : path[Math.Min(prefix.Value.Length, path.Length)..];
        var rewritten = replacement + rest;
        // "/v1" + "/x" and "/" + "x": one slash between, and always a leading one.
        if (replacement.EndsWith('/') && rest.StartsWith('/')) rewritten = replacement + rest[1..];
        if (!rewritten.StartsWith('/')) rewritten = "/" + rewritten;
        return new PathString(rewritten);
    }

    private static async Task AnswerAsync(HttpContext context, int status, string? location, string? body)
    {
        var response = context.Response;
        response.StatusCode = status;
        if (location is not null) response.Headers.Location = location;
        if (body is null) return;
        response.ContentType = "text/plain; charset=utf-8";
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes).ConfigureAwait(false);
    }

    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var value) ? value.ToString() : null;

    private static string? Endpoint(IPAddress? address, int port) =>
        address is null ? null : new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, port).ToString();

    /// <summary>What the access log and metrics say about a request, filled in as it is routed.</summary>
    private sealed class Outcome
    {
        public string? Route { get; set; }

        public string Flags { get; set; } = "-";

        public string Details { get; set; } = "-";

        public string? Cluster { get; set; }
    }
}
