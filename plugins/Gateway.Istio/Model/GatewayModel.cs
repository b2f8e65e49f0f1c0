using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace PluginMesh.Plugins.Gateway.Istio.Model;

// The gateway's configuration as the data plane uses it, built from Istio Gateway, VirtualService and
// TLS Secret objects (GatewayConfigBuilder). Immutable: a catalog change builds a new one and the
// listeners swap to it; open connections keep the one they started with.

/// <summary>Protocol of a Gateway server (Istio <c>port.protocol</c>): HTTP2 and GRPC are served as HTTP.</summary>
public enum ServerProtocol
{
    /// <summary>Plain HTTP: HTTP/1.1, or HTTP/2 with prior knowledge (h2c) when every server of the port declares HTTP2 or GRPC.</summary>
    Http,
    /// <summary>HTTP over TLS terminated here (TLS mode SIMPLE or MUTUAL).</summary>
    Https,
    /// <summary>Opaque TCP: one route for the port.</summary>
    Tcp,
    /// <summary>TLS not terminated here: routed by SNI (TLS mode PASSTHROUGH).</summary>
    Tls,
}

/// <summary>Istio <c>ServerTLSSettings.mode</c> values served here.</summary>
public enum GatewayTlsMode
{
    /// <summary>Server certificate only.</summary>
    Simple,
    /// <summary>Server certificate, and a client certificate verified against the CA is required.</summary>
    Mutual,
    /// <summary>The client's TLS goes to the destination untouched, routed by SNI.</summary>
    Passthrough,
}

/// <summary>A server certificate (and the CA for client certificates) read from a TLS Secret.</summary>
/// <param name="Secret">The Secret it came from (<c>namespace/name</c>), for status and logs.</param>
/// <param name="Certificate">Certificate with its private key (<c>tls.crt</c>, <c>tls.key</c>).</param>
/// <param name="ClientCa">CA certificates for client certificates (<c>ca.crt</c>, or the <c>&lt;name&gt;-cacert</c> Secret), empty when none.</param>
/// <param name="Fingerprint">SHA-256 of the certificate, to tell a rotation in status.</param>
public sealed record GatewayCertificate(string Secret, X509Certificate2 Certificate, IReadOnlyList<X509Certificate2> ClientCa, string Fingerprint)
{
    /// <summary>
    /// The certificates after the first in <c>tls.crt</c> (intermediate CAs), to send with
    /// <see cref="Certificate"/> (<c>SslStreamCertificateContext.Create(Certificate, Intermediates)</c>); empty when none.
    /// Certificates are shared by configurations built from an unchanged Secret: never dispose them.
    /// </summary>
    public IReadOnlyList<X509Certificate2> Intermediates { get; init; } = [];
}

/// <summary>TLS of one Gateway server.</summary>
/// <param name="Mode">SIMPLE, MUTUAL or PASSTHROUGH.</param>
/// <param name="Certificate">The certificate for SIMPLE/MUTUAL; null for PASSTHROUGH or when its Secret is missing (the server is then skipped with a warning).</param>
/// <param name="MinVersion">Lowest TLS version accepted (<c>minProtocolVersion</c>), or None for the platform default.</param>
/// <param name="MaxVersion">Highest (<c>maxProtocolVersion</c>), or None.</param>
/// <param name="HttpsRedirect">Istio <c>tls.httpsRedirect</c> on an HTTP server: answer 301 to https.</param>
public sealed record GatewayTls(GatewayTlsMode Mode, GatewayCertificate? Certificate, SslProtocols MinVersion = SslProtocols.None, SslProtocols MaxVersion = SslProtocols.None, bool HttpsRedirect = false);

/// <summary>One <c>servers[]</c> entry of a Gateway.</summary>
/// <param name="Gateway">The Gateway (<c>namespace/name</c>).</param>
/// <param name="Name">The server's <c>port.name</c>.</param>
/// <param name="Port">Port number the gateway listens on.</param>
/// <param name="Protocol">Protocol.</param>
/// <param name="Hosts">Host names it serves (<c>*</c>, <c>*.example.com</c>, <c>ns/host</c> reduced to host).</param>
/// <param name="Tls">TLS settings, or null (plain HTTP/TCP).</param>
/// <param name="CleartextHttp2">Declared <c>HTTP2</c> or <c>GRPC</c> without TLS: its clients speak HTTP/2 with prior knowledge (h2c).</param>
public sealed record GatewayServer(string Gateway, string Name, int Port, ServerProtocol Protocol, IReadOnlyList<string> Hosts, GatewayTls? Tls, bool CleartextHttp2 = false);

/// <summary>How a string is matched (Istio <c>StringMatch</c>).</summary>
public enum MatchKind
{
    /// <summary>Equal.</summary>
    Exact,
    /// <summary>Starts with.</summary>
    Prefix,
    /// <summary>RE2-style regular expression matching the whole value.</summary>
    Regex,
}

/// <summary>An Istio <c>StringMatch</c>.</summary>
/// <param name="Kind">Exact, prefix or regex.</param>
/// <param name="Value">The text or pattern.</param>
/// <param name="IgnoreCase">Istio <c>ignoreUriCase</c> (URI only).</param>
public sealed partial record StringMatch(MatchKind Kind, string Value, bool IgnoreCase = false)
{
    /// <summary>True when <paramref name="input"/> matches (a regex runs with a time limit; a timeout is no match).</summary>
    public partial bool IsMatch(string input);
}

/// <summary>One <c>http[].match[]</c> entry; every condition set must hold.</summary>
/// <param name="Uri">Path match, or null.</param>
/// <param name="Method">Method match, or null.</param>
/// <param name="Authority">Host (authority) match, or null.</param>
/// <param name="Headers">Header matches by lower-case name.</param>
/// <param name="WithoutHeaders">Headers that must not match (Istio <c>withoutHeaders</c>).</param>
/// <param name="Port">Gateway port the request came in on, or null for any.</param>
/// <param name="QueryParams">Query parameter matches by name.</param>
public sealed record HttpMatch(
    StringMatch? Uri, StringMatch? Method, StringMatch? Authority,
    IReadOnlyDictionary<string, StringMatch> Headers, IReadOnlyDictionary<string, StringMatch> WithoutHeaders,
    int? Port = null, IReadOnlyDictionary<string, StringMatch>? QueryParams = null);

/// <summary>A destination: a service port and its share of the traffic.</summary>
/// <param name="Service">The Service (<c>host</c> resolved: <c>reviews</c>, <c>reviews.ns</c>, <c>reviews.ns.svc.cluster.local</c>).</param>
/// <param name="Port">Service port (when the VirtualService gives none and the Service has one port, that one).</param>
/// <param name="Weight">Relative weight (Istio: percent; one destination without weight = 100).</param>
/// <param name="Headers">Header operations for requests sent to this destination (after the route's), or null.</param>
public sealed record RouteDestination(ServiceKey Service, int Port, int Weight, HeaderRules? Headers = null);

/// <summary>Istio <c>HeaderOperations</c>, applied in this order: remove, set (replacing every value), add (appended).</summary>
/// <param name="Set">Headers set.</param>
/// <param name="Add">Headers added.</param>
/// <param name="Remove">Header names removed.</param>
public sealed record HeaderOperations(IReadOnlyList<KeyValuePair<string, string>> Set, IReadOnlyList<KeyValuePair<string, string>> Add, IReadOnlyList<string> Remove);

/// <summary>
/// Istio <c>CorsPolicy</c>: a browser's preflight from an allowed origin is answered by the gateway;
/// other requests from one are forwarded and their responses carry the allow headers. Requests from
/// other origins pass through untouched (Istio's <c>unmatchedPreflights: FORWARD</c>).
/// </summary>
/// <param name="AllowOrigins">Origins allowed (<c>allowOrigins</c>, and the older <c>allowOrigin</c> as exact matches; <c>*</c> any).</param>
/// <param name="AllowMethods">Methods a preflight is told.</param>
/// <param name="AllowHeaders">Request headers a preflight is told.</param>
/// <param name="ExposeHeaders">Response headers the browser may read.</param>
/// <param name="MaxAge">How long a preflight's answer may be cached, or null.</param>
/// <param name="AllowCredentials">Whether credentials are allowed.</param>
public sealed record CorsPolicy(IReadOnlyList<StringMatch> AllowOrigins, IReadOnlyList<string> AllowMethods, IReadOnlyList<string> AllowHeaders,
    IReadOnlyList<string> ExposeHeaders, TimeSpan? MaxAge, bool AllowCredentials)
{
    /// <summary>True when <paramref name="origin"/> (the request's <c>Origin</c>) is allowed.</summary>
    public bool Allows(string origin) => AllowOrigins.Any(m => m.IsMatch(origin));
}

/// <summary>Istio <c>mirror</c> / <c>mirrors</c>: a copy of a share of the route's requests sent to another service, its answer dropped.</summary>
/// <param name="Destination">The service port the copies go to.</param>
/// <param name="Percent">Share of requests copied (0–100).</param>
public sealed record HttpMirror(RouteDestination Destination, double Percent);

/// <summary>Istio <c>HTTPFaultInjection</c>: a share of the route's requests delayed, a share answered with an error status instead of being forwarded.</summary>
/// <param name="Delay">Fixed delay, or null.</param>
/// <param name="DelayPercent">Share of requests delayed (0–100).</param>
/// <param name="AbortStatus">HTTP status of an aborted request, or null.</param>
/// <param name="AbortPercent">Share of requests aborted (0–100).</param>
public sealed record HttpFault(TimeSpan? Delay, double DelayPercent, int? AbortStatus, double AbortPercent);

/// <summary>Istio <c>Headers</c>: operations on the request sent to the endpoint and on the response sent back to the client.</summary>
/// <param name="Request">On the request, or null.</param>
/// <param name="Response">On the response, or null.</param>
public sealed record HeaderRules(HeaderOperations? Request, HeaderOperations? Response);

/// <summary>Istio <c>HTTPRetry</c>.</summary>
/// <param name="Attempts">Retries after the first try (0: none).</param>
/// <param name="PerTryTimeout">Time limit of each try, or null (the route timeout bounds all tries).</param>
/// <param name="RetryOn">Conditions: <c>5xx</c>, <c>gateway-error</c>, <c>connect-failure</c>, <c>refused-stream</c>, <c>reset</c>, <c>retriable-status-codes</c> and status numbers.</param>
public sealed record HttpRetry(int Attempts, TimeSpan? PerTryTimeout, IReadOnlySet<string> RetryOn)
{
    /// <summary>Istio's default conditions, for a route without <c>retries</c> or a <c>retries</c> without <c>retryOn</c>.</summary>
    public static IReadOnlySet<string> DefaultRetryOn { get; } =
        new HashSet<string>(["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Istio's default policy: 2 retries on <see cref="DefaultRetryOn"/>.</summary>
    public static HttpRetry IstioDefault { get; } = new(2, null, DefaultRetryOn);
}

/// <summary>Istio <c>HTTPRewrite</c>.</summary>
/// <param name="UriPrefix">Replaces the matched prefix (or the whole path for an exact/regex match), or null.</param>
/// <param name="Authority">Replaces the Host header, or null.</param>
public sealed record HttpRewrite(string? UriPrefix, string? Authority);

/// <summary>A direct response or redirect instead of a destination (Istio <c>redirect</c>, <c>directResponse</c>), or null.</summary>
/// <param name="Status">Status code.</param>
/// <param name="Location">Location for a redirect, or null.</param>
/// <param name="Body">Body text for a direct response, or null.</param>
public sealed record HttpDirectResponse(int Status, string? Location, string? Body)
{
    /// <summary>
    /// For a redirect without <c>uri</c>: append the request's path and query to <see cref="Location"/>
    /// (which then holds only <c>scheme://authority</c> or <c>//authority</c>), as Istio keeps the path.
    /// </summary>
    public bool AppendRequestPath { get; init; }
}

/// <summary>One <c>http[]</c> entry of a VirtualService bound to a Gateway.</summary>
/// <param name="Name">Route name for metrics and logs: the entry's <c>name</c>, else <c>namespace/virtualservice#index</c>.</param>
/// <param name="VirtualService">The VirtualService (<c>namespace/name</c>).</param>
/// <param name="Hosts">The VirtualService's hosts, narrowed to those its Gateways' servers on this port grant its namespace (matched against the request's host, with <c>*</c> wildcards).</param>
/// <param name="Matches">Alternatives; empty = matches every request.</param>
/// <param name="Destinations">Weighted destinations (empty only with <paramref name="Direct"/>).</param>
/// <param name="Rewrite">Rewrite, or null.</param>
/// <param name="Timeout">Whole-request timeout, or null (no limit).</param>
/// <param name="Retries">Retries, or null (Istio's default: 2 attempts on connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes).</param>
/// <param name="Direct">Redirect or direct response, or null.</param>
/// <param name="Headers">Header operations on forwarded requests and their responses, or null.</param>
/// <param name="Cors">CORS policy, or null.</param>
/// <param name="Fault">Faults injected into forwarded requests, or null.</param>
/// <param name="Mirrors">Where copies of forwarded requests go, or null.</param>
public sealed partial record HttpRoute(
    string Name, string VirtualService, IReadOnlyList<string> Hosts, IReadOnlyList<HttpMatch> Matches,
    IReadOnlyList<RouteDestination> Destinations, HttpRewrite? Rewrite, TimeSpan? Timeout, HttpRetry? Retries,
    HttpDirectResponse? Direct = null, HeaderRules? Headers = null, CorsPolicy? Cors = null, HttpFault? Fault = null,
    IReadOnlyList<HttpMirror>? Mirrors = null)
{
    /// <summary>
    /// The next destination by weight: a weighted round robin (Tijdeman's chairman assignment, stricter
    /// than nginx's smooth one), so after any N requests each destination has had its share to within
    /// less than one request. Zero weights are never picked. Thread-safe.
    /// </summary>
    public partial RouteDestination PickDestination();
}

/// <summary>A <c>tcp[]</c> route (TCP servers) or a <c>tls[]</c> route (PASSTHROUGH servers, matched by SNI).</summary>
/// <param name="Name">Route name.</param>
/// <param name="VirtualService">The VirtualService (<c>namespace/name</c>).</param>
/// <param name="SniHosts">For TLS routes, the SNI names it takes (<c>*</c> wildcards); empty for TCP.</param>
/// <param name="Port">Gateway port it is bound to, or null for any.</param>
/// <param name="Destinations">Weighted destinations.</param>
public sealed partial record StreamRoute(string Name, string VirtualService, IReadOnlyList<string> SniHosts, int? Port, IReadOnlyList<RouteDestination> Destinations)
{
    /// <summary>The next destination by weight (as <see cref="HttpRoute.PickDestination"/>).</summary>
    public partial RouteDestination PickDestination();
}

/// <summary>What arrives on one port: its servers (several HTTPS servers may share a port, told apart by SNI) and routes.</summary>
/// <param name="Port">The port.</param>
/// <param name="Protocol">Protocol (every server on a port has the same; a conflicting one is skipped with a warning).</param>
/// <param name="Servers">The servers on this port.</param>
/// <param name="HttpRoutes">HTTP routes in VirtualService order (first match wins), for HTTP and HTTPS ports.</param>
/// <param name="StreamRoutes">TCP or TLS routes, for TCP and TLS ports.</param>
public sealed partial record GatewayListener(int Port, ServerProtocol Protocol, IReadOnlyList<GatewayServer> Servers, IReadOnlyList<HttpRoute> HttpRoutes, IReadOnlyList<StreamRoute> StreamRoutes)
{
    /// <summary>
    /// A plain HTTP port every server of which declares HTTP2 or GRPC: served as HTTP/2 with prior
    /// knowledge (gRPC clients without TLS), since one cleartext port cannot tell the two apart here.
    /// </summary>
    public bool CleartextHttp2 => Protocol == ServerProtocol.Http && Servers.Count > 0 && Servers.All(s => s.CleartextHttp2);

    /// <summary>The server whose hosts cover <paramref name="sni"/> (most specific first), or null; a null SNI gets the first server.</summary>
    public partial GatewayServer? ServerForSni(string? sni);

    /// <summary>The first HTTP route whose hosts cover <paramref name="host"/> and one of whose matches holds, or null (404).</summary>
    /// <param name="host">The request's host without port.</param>
    /// <param name="method">Method.</param>
    /// <param name="path">Path (without query).</param>
    /// <param name="query">Query string including '?', or empty.</param>
    /// <param name="header">Reads a request header by name (null when absent).</param>
    public partial HttpRoute? MatchHttp(string host, string method, string path, string query, Func<string, string?> header);

    /// <summary>The stream route for a connection: for TLS ports the first whose SNI hosts cover <paramref name="sni"/>; for TCP the first route. Null when none.</summary>
    public partial StreamRoute? MatchStream(string? sni);
}

/// <summary>The whole gateway configuration at one catalog version.</summary>
/// <param name="Version">The catalog version it was built from.</param>
/// <param name="Listeners">Listeners by port.</param>
/// <param name="Warnings">Problems found (malformed objects skipped, missing Secrets, unknown services), each naming the object.</param>
public sealed record GatewayConfig(long Version, IReadOnlyDictionary<int, GatewayListener> Listeners, IReadOnlyList<string> Warnings)
{
    /// <summary>Nothing to serve.</summary>
    public static GatewayConfig Empty { get; } = new(0, new Dictionary<int, GatewayListener>(), []);
}

/// <summary>Reading the server name from a TLS ClientHello (for PASSTHROUGH routing), without consuming it.</summary>
public enum ClientHelloStatus
{
    /// <summary>A whole ClientHello was read; the SNI (possibly none) is known.</summary>
    Complete,
    /// <summary>More bytes are needed.</summary>
    NeedMore,
    /// <summary>Not a TLS ClientHello, or malformed.</summary>
    Invalid,
}

/// <summary>Builds a <see cref="GatewayConfig"/> from the catalog's Istio objects and TLS Secrets.</summary>
public static class GatewayConfigBuilder
{
    /// <summary>
    /// The object kinds the gateway asks the catalog for: Gateway and VirtualService
    /// (<c>networking.istio.io</c> v1, v1beta1, v1alpha3) and TLS Secrets (in <paramref name="secretNamespace"/>, or all namespaces when null).
    /// </summary>
    public static IReadOnlyList<CatalogResourceType> ResourceTypes(string? secretNamespace) => Config.IstioResources.Types(secretNamespace);

    /// <summary>
    /// The configuration for this node: the Gateways whose <c>spec.selector</c> is a subset of
    /// <paramref name="gatewayLabels"/> (an empty selector selects every gateway), their servers, the
    /// VirtualServices bound to them (<c>spec.gateways</c> naming them as <c>name</c> or <c>ns/name</c>),
    /// and the certificates of their TLS servers. Malformed objects are skipped with a warning naming
    /// them; never throws for bad input.
    /// </summary>
    /// <param name="snapshot">The catalog.</param>
    /// <param name="gatewayLabels">The labels this gateway answers to (e.g. <c>istio=ingressgateway</c>).</param>
    /// <param name="clusterDomain">Cluster DNS domain for destination hosts (<c>cluster.local</c>).</param>
    public static GatewayConfig Build(CatalogSnapshot snapshot, IReadOnlyDictionary<string, string> gatewayLabels, string clusterDomain) =>
        Config.GatewayConfigReader.Build(snapshot, gatewayLabels, clusterDomain);
}
