using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Gateway.Istio.Model;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Config;

/// <summary>Which server answers an SNI name, and which route a request or connection takes, as Istio decides.</summary>
public sealed class ListenerMatchingTests
{
    private static readonly Dictionary<string, StringMatch> None = [];
    private static readonly RouteDestination[] Backend = [new(new ServiceKey("default", "web"), 80, 100)];

    private static GatewayServer Server(string name, params string[] hosts) => new("edge/gw", name, 443, ServerProtocol.Https, hosts, null);

    private static HttpRoute Route(string name, string[] hosts, params HttpMatch[] matches) =>
        new(name, "default/vs", hosts, matches, Backend, null, null, null);

    private static HttpMatch Match(StringMatch? uri = null, StringMatch? method = null, StringMatch? authority = null,
        Dictionary<string, StringMatch>? headers = null, Dictionary<string, StringMatch>? without = null, int? port = null, Dictionary<string, StringMatch>? query = null) =>
        new(uri, method, authority, headers ?? None, without ?? None, port, query);

    private static GatewayListener Http(IReadOnlyList<string> serverHosts, params HttpRoute[] routes) =>
        new(80, ServerProtocol.Http, [new GatewayServer("edge/gw", "http", 80, ServerProtocol.Http, serverHosts, null)], routes, []);

    [Theory]
    [InlineData("shop.example.com", "exact")]
    [InlineData("SHOP.Example.com", "exact")]
    [InlineData("shop.example.com.", "exact")]
    [InlineData("api.example.com", "wildcard")]
    [InlineData("a.b.example.com", "wildcard")]
    [InlineData("a.b.c.example.com", "deeper")]
    [InlineData("example.com", "catch-all")]
    [InlineData("other.org", "catch-all")]
    public void ServerForSni_ExactBeatsLongerWildcardBeatsShorterBeatsStar(string sni, string expected)
    {
        var listener = new GatewayListener(443, ServerProtocol.Https,
            [Server("catch-all", "*"), Server("wildcard", "*.example.com"), Server("deeper", "*.c.example.com"), Server("exact", "shop.example.com")], [], []);
        Assert.Equal(expected, listener.ServerForSni(sni)?.Name);
    }

    [Fact]
    public void ServerForSni_NoSni_FirstServer_NoCover_Null()
    {
        var listener = new GatewayListener(443, ServerProtocol.Https, [Server("a", "a.example.com"), Server("b", "*.example.org")], [], []);
        Assert.Equal("a", listener.ServerForSni(null)?.Name);
        Assert.Equal("a", listener.ServerForSni("")?.Name);
        Assert.Null(listener.ServerForSni("example.org"));
        Assert.Null(listener.ServerForSni("a.example.com.evil"));
        Assert.Null(new GatewayListener(443, ServerProtocol.Https, [], [], []).ServerForSni("x"));
    }

    [Theory]
    [InlineData("*", "anything.at.all", true)]
    [InlineData("*.example.com", "shop.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*.example.com", "badexample.com", false)]
    [InlineData("shop.example.com", "Shop.Example.Com", true)]
    [InlineData("shop.example.com", "www.shop.example.com", false)]
    public void MatchHttp_HostMustBeCoveredByTheServerAndTheVirtualService(string vsHost, string host, bool matched)
    {
        var listener = Http(["*"], Route("r", [vsHost]));
        Assert.Equal(matched, listener.MatchHttp(host, "GET", "/", "", _ => null) is not null);

        // The server's hosts limit too: a VirtualService for every host serves only what the server takes.
        var narrow = Http(["*.example.com"], Route("r", ["*"]));
        Assert.Equal(host.EndsWith(".example.com", StringComparison.OrdinalIgnoreCase), narrow.MatchHttp(host, "GET", "/", "", _ => null) is not null);
    }

    [Theory]
    [InlineData("*", "shop.example.com", "shop.example.com")]
    [InlineData("*", "*.example.com", "*.example.com")]
    [InlineData("*.example.com", "*.a.example.com", "*.a.example.com")]
    [InlineData("*.example.com", "*.example.com", "*.example.com")]
    [InlineData("*.example.com", "shop.example.com", "shop.example.com")]
    [InlineData("*.example.com", "example.com", null)]
    [InlineData("*.example.com", "*.example.org", null)]
    [InlineData("Shop.Example.com", "shop.example.com", "shop.example.com")]
    [InlineData("a.example.com", "b.example.com", null)]
    public void HostIntersect_TheNarrowerPatternOrNone(string a, string b, string? both)
    {
        Assert.Equal(both, HostPattern.Intersect(a, b), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(both, HostPattern.Intersect(b, a), StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void MatchHttp_FirstRouteInOrderWithAHoldingMatch()
    {
        var listener = Http(["*"],
            Route("api", ["*"], Match(uri: new StringMatch(MatchKind.Prefix, "/api")), Match(uri: new StringMatch(MatchKind.Exact, "/v1"))),
            Route("api-v2", ["*"], Match(uri: new StringMatch(MatchKind.Prefix, "/api/v2"))),
            Route("other-host", ["other.example.com"]),
            Route("rest", ["*"]));
        Assert.Equal("api", listener.MatchHttp("a.example.com", "GET", "/api/v2/x", "", _ => null)?.Name);
        Assert.Equal("api", listener.MatchHttp("a.example.com", "GET", "/v1", "", _ => null)?.Name);
        Assert.Equal("rest", listener.MatchHttp("a.example.com", "GET", "/v1/", "", _ => null)?.Name);
        Assert.Equal("other-host", listener.MatchHttp("other.example.com", "GET", "/v1/", "", _ => null)?.Name);
    }

    [Fact]
    public void MatchHttp_EveryConditionOfAMatchMustHold()
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["End-User"] = "jason", ["X-Debug"] = "0" };
        var match = Match(
            uri: new StringMatch(MatchKind.Regex, "/reviews/[0-9]+", IgnoreCase: true),
            method: new StringMatch(MatchKind.Exact, "GET"),
            authority: new StringMatch(MatchKind.Prefix, "shop."),
            headers: new() { ["end-user"] = new StringMatch(MatchKind.Exact, "jason") },
            without: new() { ["x-debug"] = new StringMatch(MatchKind.Exact, "1") },
            port: 80,
            query: new() { ["v"] = new StringMatch(MatchKind.Exact, "2 b") });
        var listener = Http(["*"], Route("r", ["*"], match));
        string? Header(string name) => headers.TryGetValue(name, out var value) ? value : null;
        bool Matches(string host = "shop.example.com", string method = "GET", string path = "/REVIEWS/12", string query = "?a=1&v=2+b&v=3") =>
            listener.MatchHttp(host, method, path, query, Header) is not null;

        Assert.True(Matches());
        Assert.True(Matches(query: "?v=2%20b"));
        Assert.False(Matches(path: "/reviews/12/x"));
        Assert.False(Matches(method: "POST"));
        Assert.False(Matches(method: "get"));
        Assert.False(Matches(host: "www.shop.example.com"));
        Assert.False(Matches(query: "?v=3"));
        Assert.False(Matches(query: ""));
        headers["x-debug"] = "1";
        Assert.False(Matches());
        headers.Remove("x-debug");
        Assert.True(Matches());
        headers.Remove("end-user");
        Assert.False(Matches());
        Assert.Null(new GatewayListener(8080, ServerProtocol.Http, listener.Servers, listener.HttpRoutes, []).MatchHttp("shop.example.com", "GET", "/reviews/1", "?v=2+b", Header));
    }

    [Fact]
    public void MatchHttp_PresenceMatches_HeaderPresentOrAbsent()
    {
        var present = Route("present", ["*"], Match(headers: new() { ["x-canary"] = new StringMatch(MatchKind.Prefix, "") }));
        var absent = Route("absent", ["*"], Match(without: new() { ["x-canary"] = new StringMatch(MatchKind.Prefix, "") }));
        var listener = Http(["*"], present, absent);
        Assert.Equal("present", listener.MatchHttp("h", "GET", "/", "", n => n == "x-canary" ? "" : null)?.Name);
        Assert.Equal("absent", listener.MatchHttp("h", "GET", "/", "", _ => null)?.Name);
    }

    [Fact]
    public void MatchStream_Tls_FirstRouteWhoseSniHostsCover_WithinTheServersHosts()
    {
        var routes = new StreamRoute[]
        {
            new("db", "default/vs", ["*.db.example.com"], null, Backend),
            new("other-port", "default/vs", ["*"], 8443, Backend),
            new("nginx", "default/vs", ["nginx.example.com"], 443, Backend),
            new("any", "default/vs", ["*"], null, Backend),
        };
        var listener = new GatewayListener(443, ServerProtocol.Tls,
            [new GatewayServer("edge/gw", "tls", 443, ServerProtocol.Tls, ["*.example.com"], new GatewayTls(GatewayTlsMode.Passthrough, null))], [], routes);
        Assert.Equal("db", listener.MatchStream("eu.db.example.com")?.Name);
        Assert.Equal("nginx", listener.MatchStream("NGINX.example.com")?.Name);
        Assert.Equal("any", listener.MatchStream("www.example.com")?.Name);
        Assert.Null(listener.MatchStream("www.example.org"));
        Assert.Null(listener.MatchStream(null));
    }

    [Fact]
    public void MatchStream_Tcp_FirstRouteForThePort()
    {
        var listener = new GatewayListener(31400, ServerProtocol.Tcp, [new GatewayServer("edge/gw", "tcp", 31400, ServerProtocol.Tcp, ["*"], null)], [],
            [new StreamRoute("elsewhere", "default/vs", [], 9000, Backend), new StreamRoute("here", "default/vs", [], 31400, Backend), new StreamRoute("any", "default/vs", [], null, Backend)]);
        Assert.Equal("here", listener.MatchStream(null)?.Name);
        Assert.Null((listener with { StreamRoutes = [] }).MatchStream(null));
    }
}
