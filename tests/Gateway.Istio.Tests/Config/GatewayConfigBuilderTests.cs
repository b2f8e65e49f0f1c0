using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Gateway.Istio.Model;
using static PluginMesh.Plugins.Gateway.Istio.Tests.Config.IstioObjects;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Config;

/// <summary>Istio Gateways and VirtualServices of the shapes Istio's documentation uses, read into listeners and routes.</summary>
public sealed class GatewayConfigBuilderTests
{
    private const string BookinfoGateway = """
        {
          "selector": { "istio": "ingressgateway" },
          "servers": [
            { "port": { "number": 8080, "name": "http", "protocol": "HTTP" }, "hosts": [ "*" ] }
          ]
        }
        """;

    private const string Bookinfo = """
        {
          "hosts": [ "*" ],
          "gateways": [ "bookinfo-gateway" ],
          "http": [
            {
              "match": [
                { "uri": { "exact": "/productpage" } },
                { "uri": { "prefix": "/static" } },
                { "uri": { "exact": "/login" } },
                { "uri": { "exact": "/logout" } },
                { "uri": { "prefix": "/api/v1/products" } }
              ],
              "route": [ { "destination": { "host": "productpage", "port": { "number": 9080 } } } ]
            }
          ]
        }
        """;

    [Fact]
    public void ResourceTypes_AskForIstioKindsInEveryVersion_AndTlsSecretsInTheNamespace()
    {
        var types = GatewayConfigBuilder.ResourceTypes("istio-system");
        Assert.Collection(types,
            t => Assert.Equal(new CatalogResourceType("networking.istio.io", "Gateway", "gateways", t.Versions), t),
            t => Assert.Equal(new CatalogResourceType("networking.istio.io", "VirtualService", "virtualservices", t.Versions), t),
            t => Assert.Equal(new CatalogResourceType("", "Secret", "secrets", t.Versions, "type=kubernetes.io/tls", "istio-system"), t));
        Assert.All(types.Take(2), t => Assert.Equal(["v1", "v1beta1", "v1alpha3"], t.Versions));
        Assert.Equal(["v1"], types[2].Versions);
        Assert.Null(GatewayConfigBuilder.ResourceTypes(null)[2].Namespace);
    }

    [Fact]
    public void Build_Bookinfo_OneHttpListenerWithTheDocumentedRoute()
    {
        var config = Build([GatewayObject("default", "bookinfo-gateway", BookinfoGateway), VirtualServiceObject("default", "bookinfo", Bookinfo)],
            Service("default", "productpage", 9080));

        Assert.Empty(config.Warnings);
        Assert.Equal(7, config.Version);
        var listener = Assert.Single(config.Listeners).Value;
        Assert.Equal((8080, ServerProtocol.Http), (listener.Port, listener.Protocol));
        var server = Assert.Single(listener.Servers);
        Assert.Equal(new GatewayServer("default/bookinfo-gateway", "http", 8080, ServerProtocol.Http, server.Hosts, null), server);
        Assert.Equal(["*"], server.Hosts);
        var route = Assert.Single(listener.HttpRoutes);
        Assert.Equal(("default/bookinfo#0", "default/bookinfo"), (route.Name, route.VirtualService));
        Assert.Equal(new RouteDestination(new ServiceKey("default", "productpage"), 9080, 100), Assert.Single(route.Destinations));
        Assert.Equal(
            [new StringMatch(MatchKind.Exact, "/productpage"), new StringMatch(MatchKind.Prefix, "/static"), new StringMatch(MatchKind.Exact, "/login"),
             new StringMatch(MatchKind.Exact, "/logout"), new StringMatch(MatchKind.Prefix, "/api/v1/products")],
            route.Matches.Select(m => m.Uri!));
        Assert.Empty(listener.StreamRoutes);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v1beta1")]
    [InlineData("v1alpha3")]
    public void Build_EveryApiVersion_ReadsTheSame(string version)
    {
        var config = Build([GatewayObject("default", "bookinfo-gateway", BookinfoGateway, version), VirtualServiceObject("default", "bookinfo", Bookinfo, version: version)],
            Service("default", "productpage", 9080));
        Assert.Empty(config.Warnings);
        Assert.Single(Assert.Single(config.Listeners).Value.HttpRoutes);
    }

    [Theory]
    [InlineData("""{ "istio": "ingressgateway" }""", true)]
    [InlineData("""{ "istio": "ingressgateway", "app": "edge" }""", true)]
    [InlineData("""{}""", true)]
    [InlineData("""{ "istio": "egressgateway" }""", false)]
    [InlineData("""{ "istio": "ingressgateway", "zone": "a" }""", false)]
    public void Build_Selector_SelectsWhenASubsetOfTheGatewayLabels(string selector, bool selected)
    {
        var gateway = $$"""{ "selector": {{selector}}, "servers": [ { "port": { "number": 80, "name": "http", "protocol": "HTTP" }, "hosts": ["*"] } ] }""";
        var config = Build([GatewayObject("default", "gw", gateway)]);
        Assert.Empty(config.Warnings);
        Assert.Equal(selected, config.Listeners.ContainsKey(80));
    }

    [Fact]
    public void Build_HostsWithNamespacePrefixes_ServeTheHost()
    {
        var gateway = """
            { "servers": [ { "port": { "number": 80, "name": "http", "protocol": "HTTP" },
                             "hosts": [ "shop/web.example.com", "*/api.example.com", "./local.example.com", "*.example.org" ] } ] }
            """;
        var server = Assert.Single(Build([GatewayObject("default", "gw", gateway)]).Listeners[80].Servers);
        Assert.Equal(["web.example.com", "api.example.com", "local.example.com", "*.example.org"], server.Hosts);
    }

    [Fact]
    public void Build_HttpRouteFields_AllRead()
    {
        var vs = """
            {
              "hosts": [ "shop.example.com" ],
              "gateways": [ "edge/public", "mesh" ],
              "http": [
                {
                  "name": "reviews-canary",
                  "match": [
                    {
                      "uri": { "regex": "/reviews/[0-9]+" }, "ignoreUriCase": true, "method": { "exact": "GET" },
                      "authority": { "prefix": "shop" }, "port": 80,
                      "headers": { "End-User": { "exact": "jason" }, "x-present": {} },
                      "withoutHeaders": { "x-debug": { "exact": "1" } },
                      "queryParams": { "v": { "regex": "[0-9]" } }
                    }
                  ],
                  "route": [
                    { "destination": { "host": "reviews", "port": { "number": 9080 } }, "weight": 75 },
                    { "destination": { "host": "reviews-v2.shop.svc.cluster.local" }, "weight": 25 }
                  ],
                  "rewrite": { "uri": "/v2/reviews", "authority": "reviews.internal" },
                  "timeout": "1.5s",
                  "retries": { "attempts": 3, "perTryTimeout": "500ms", "retryOn": "5xx, connect-failure,503" }
                }
              ]
            }
            """;
        var config = Build([GatewayObject("edge", "public", BookinfoGateway.Replace("8080", "80")), VirtualServiceObject("shop", "reviews", vs)],
            Service("shop", "reviews", 9080, 9443), Service("shop", "reviews-v2", 9080));
        Assert.Empty(config.Warnings);
        var route = Assert.Single(config.Listeners[80].HttpRoutes);
        Assert.Equal(("reviews-canary", "shop/reviews"), (route.Name, route.VirtualService));
        Assert.Equal(["shop.example.com"], route.Hosts);
        var match = Assert.Single(route.Matches);
        Assert.Equal(new StringMatch(MatchKind.Regex, "/reviews/[0-9]+", IgnoreCase: true), match.Uri);
        Assert.Equal(new StringMatch(MatchKind.Exact, "GET"), match.Method);
        Assert.Equal(new StringMatch(MatchKind.Prefix, "shop"), match.Authority);
        Assert.Equal(80, match.Port);
        Assert.Equal(new StringMatch(MatchKind.Exact, "jason"), match.Headers["end-user"]);
        Assert.Equal(new StringMatch(MatchKind.Prefix, ""), match.Headers["x-present"]);
        Assert.Equal(new StringMatch(MatchKind.Exact, "1"), match.WithoutHeaders["x-debug"]);
        Assert.Equal(new StringMatch(MatchKind.Regex, "[0-9]"), match.QueryParams!["v"]);
        Assert.Equal(
            [new RouteDestination(new ServiceKey("shop", "reviews"), 9080, 75), new RouteDestination(new ServiceKey("shop", "reviews-v2"), 9080, 25)],
            route.Destinations);
        Assert.Equal(new HttpRewrite("/v2/reviews", "reviews.internal"), route.Rewrite);
        Assert.Equal(TimeSpan.FromSeconds(1.5), route.Timeout);
        Assert.Equal(3, route.Retries!.Attempts);
        Assert.Equal(TimeSpan.FromMilliseconds(500), route.Retries.PerTryTimeout);
        Assert.True(route.Retries.RetryOn.SetEquals(["5xx", "connect-failure", "503"]));
        Assert.Null(route.Direct);
    }

    [Fact]
    public void Build_Retries_WithoutRetryOn_IstiosDefaultConditions_WithoutRetries_Null()
    {
        var vs = """
            { "hosts": ["*"], "gateways": ["gw"], "http": [
                { "match": [ { "uri": { "prefix": "/a" } } ], "route": [ { "destination": { "host": "a" } } ], "retries": { "attempts": 2 } },
                { "route": [ { "destination": { "host": "a" } } ], "retries": { "attempts": 0 }, "timeout": "0s" },
                { "route": [ { "destination": { "host": "a" } } ] }
            ] }
            """;
        var routes = Build([GatewayObject("default", "gw", BookinfoGateway), VirtualServiceObject("default", "vs", vs)], Service("default", "a", 80)).Listeners[8080].HttpRoutes;
        Assert.Equal(2, routes[0].Retries!.Attempts);
        Assert.True(routes[0].Retries!.RetryOn.SetEquals(["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"]));
        Assert.Null(routes[0].Retries!.PerTryTimeout);
        Assert.Equal(0, routes[1].Retries!.Attempts);
        Assert.Null(routes[1].Timeout);
        Assert.Null(routes[2].Retries);
        Assert.Null(routes[2].Timeout);
    }

    [Fact]
    public void Build_Headers_RouteAndDestination_RequestAndResponse_BadOnesSkipTheRoute()
    {
        var vs = """
            { "hosts": ["*"], "gateways": ["gw"], "http": [
                { "match": [ { "uri": { "prefix": "/a" } } ],
                  "headers": { "request": { "set": { "x-env": "edge" }, "add": { "x-tag": "a" }, "remove": ["x-secret"] },
                               "response": { "set": { "x-served-by": "gateway" }, "remove": ["x-internal"] } },
                  "route": [ { "destination": { "host": "a" }, "headers": { "request": { "set": { "x-dest": "a" } } } } ] },
                { "match": [ { "uri": { "prefix": "/bad" } } ], "headers": { "request": { "set": { "bad name": "x" } } },
                  "route": [ { "destination": { "host": "a" } } ] },
                { "match": [ { "uri": { "prefix": "/split" } } ], "headers": { "response": { "add": { "x-split": "line1\r\nInjected: yes" } } },
                  "route": [ { "destination": { "host": "a" } } ] },
                { "route": [ { "destination": { "host": "a" } } ], "headers": {} }
            ] }
            """;
        var config = Build([GatewayObject("default", "gw", BookinfoGateway), VirtualServiceObject("default", "vs", vs)], Service("default", "a", 80));
        var routes = config.Listeners[8080].HttpRoutes;
        Assert.Equal(2, routes.Count);
        var headers = routes[0].Headers!;
        Assert.Equal([new("x-env", "edge")], headers.Request!.Set);
        Assert.Equal([new("x-tag", "a")], headers.Request.Add);
        Assert.Equal(["x-secret"], headers.Request.Remove);
        Assert.Equal([new("x-served-by", "gateway")], headers.Response!.Set);
        Assert.Equal(["x-internal"], headers.Response.Remove);
        Assert.Equal([new("x-dest", "a")], routes[0].Destinations[0].Headers!.Request!.Set);
        Assert.Null(routes[1].Headers);
        Assert.Contains(config.Warnings, w => w.Contains("'bad name' is not a header name", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.Contains("may not hold CR, LF or NUL", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_CorsPolicy_OriginsMethodsHeadersMaxAgeCredentials()
    {
        var vs = """
            { "hosts": ["*"], "gateways": ["gw"], "http": [
                { "match": [ { "uri": { "prefix": "/a" } } ], "route": [ { "destination": { "host": "a" } } ],
                  "corsPolicy": { "allowOrigins": [ { "exact": "https://app.example.com" }, { "regex": "https://.*\\.example\\.org" } ],
                                  "allowOrigin": [ "https://legacy.example.com" ],
                                  "allowMethods": [ "GET", "POST" ], "allowHeaders": [ "x-token" ], "exposeHeaders": [ "x-trace" ],
                                  "maxAge": "24h", "allowCredentials": true } },
                { "match": [ { "uri": { "prefix": "/none" } } ], "route": [ { "destination": { "host": "a" } } ], "corsPolicy": { "allowMethods": [ "GET" ] } },
                { "route": [ { "destination": { "host": "a" } } ], "corsPolicy": { "allowOrigins": [ { "exact": "x" } ], "allowMethods": [ "G E T" ] } }
            ] }
            """;
        var config = Build([GatewayObject("default", "gw", BookinfoGateway), VirtualServiceObject("default", "vs", vs)], Service("default", "a", 80));
        var routes = config.Listeners[8080].HttpRoutes;
        Assert.Equal(2, routes.Count);
        var cors = routes[0].Cors!;
        Assert.True(cors.Allows("https://app.example.com"));
        Assert.True(cors.Allows("https://shop.example.org"));
        Assert.True(cors.Allows("https://legacy.example.com"));
        Assert.False(cors.Allows("https://evil.example.net"));
        Assert.Equal(["GET", "POST"], cors.AllowMethods);
        Assert.Equal(["x-token"], cors.AllowHeaders);
        Assert.Equal(["x-trace"], cors.ExposeHeaders);
        Assert.Equal(TimeSpan.FromHours(24), cors.MaxAge);
        Assert.True(cors.AllowCredentials);
        Assert.Null(routes[1].Cors); // no origin allowed: no policy
        Assert.Contains(config.Warnings, w => w.Contains("'G E T' is not a method or header name", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_Fault_DelayAndAbortWithTheirShares_UnsupportedKindsSkipTheRoute()
    {
        var vs = """
            { "hosts": ["*"], "gateways": ["gw"], "http": [
                { "match": [ { "uri": { "prefix": "/a" } } ], "route": [ { "destination": { "host": "a" } } ],
                  "fault": { "delay": { "fixedDelay": "2s", "percentage": { "value": 12.5 } }, "abort": { "httpStatus": 503, "percent": 10 } } },
                { "match": [ { "uri": { "prefix": "/b" } } ], "route": [ { "destination": { "host": "a" } } ],
                  "fault": { "abort": { "httpStatus": 418 } } },
                { "match": [ { "uri": { "prefix": "/c" } } ], "route": [ { "destination": { "host": "a" } } ],
                  "fault": { "abort": { "grpcStatus": "UNAVAILABLE" } } },
                { "route": [ { "destination": { "host": "a" } } ], "fault": { "delay": { "fixedDelay": "1s", "percentage": { "value": 150 } } } }
            ] }
            """;
        var config = Build([GatewayObject("default", "gw", BookinfoGateway), VirtualServiceObject("default", "vs", vs)], Service("default", "a", 80));
        var routes = config.Listeners[8080].HttpRoutes;
        Assert.Equal(2, routes.Count);
        Assert.Equal(new HttpFault(TimeSpan.FromSeconds(2), 12.5, 503, 10), routes[0].Fault);
        Assert.Equal(new HttpFault(null, 0, 418, 100), routes[1].Fault);
        Assert.Contains(config.Warnings, w => w.Contains("grpcStatus and http2Error are not supported", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.Contains("not a number from 0 to 100", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_Mirror_SingleWithPercentage_AndList_UnknownServiceKeptWithAWarning()
    {
        var vs = """
            { "hosts": ["*"], "gateways": ["gw"], "http": [
                { "match": [ { "uri": { "prefix": "/a" } } ], "route": [ { "destination": { "host": "a" } } ],
                  "mirror": { "host": "b" }, "mirrorPercentage": { "value": 25 } },
                { "match": [ { "uri": { "prefix": "/b" } } ], "route": [ { "destination": { "host": "a" } } ],
                  "mirrors": [ { "destination": { "host": "b" }, "percentage": { "value": 50 } }, { "destination": { "host": "a" } } ] },
                { "route": [ { "destination": { "host": "a" } } ], "mirror": { "host": "b" }, "mirrorPercent": 10 }
            ] }
            """;
        var config = Build([GatewayObject("default", "gw", BookinfoGateway), VirtualServiceObject("default", "vs", vs)], Service("default", "a", 80), Service("default", "b", 80));
        var routes = config.Listeners[8080].HttpRoutes;
        Assert.Equal([(new ServiceKey("default", "b"), 25.0)], routes[0].Mirrors!.Select(m => (m.Destination.Service, m.Percent)));
        Assert.Equal([50.0, 100.0], routes[1].Mirrors!.Select(m => m.Percent));
        Assert.Equal(10.0, Assert.Single(routes[2].Mirrors!).Percent);
        Assert.Empty(config.Warnings);
    }

    [Fact]
    public void Build_RedirectAndDirectResponse_BecomeDirectAnswers()
    {
        var vs = """
            {
              "hosts": [ "*" ], "gateways": [ "gw" ],
              "http": [
                { "match": [ { "uri": { "exact": "/old" } } ], "redirect": { "uri": "/new", "authority": "new.example.com", "redirectCode": 308 } },
                { "match": [ { "uri": { "exact": "/moved" } } ], "redirect": { "authority": "other.example.com", "scheme": "https" } },
                { "match": [ { "uri": { "exact": "/health" } } ], "directResponse": { "status": 200, "body": { "string": "ok" } } },
                { "match": [ { "uri": { "exact": "/teapot" } } ], "directResponse": { "status": 418, "body": { "bytes": "dGVhcG90" } } }
              ]
            }
            """;
        var config = Build([GatewayObject("default", "gw", BookinfoGateway), VirtualServiceObject("default", "answers", vs)]);
        Assert.Empty(config.Warnings);
        var routes = config.Listeners[8080].HttpRoutes;
        Assert.Equal(new HttpDirectResponse(308, "//new.example.com/new", null), routes[0].Direct);
        Assert.False(routes[0].Direct!.AppendRequestPath);
        Assert.Equal(new HttpDirectResponse(301, "https://other.example.com", null) { AppendRequestPath = true }, routes[1].Direct);
        Assert.Equal(new HttpDirectResponse(200, null, "ok"), routes[2].Direct);
        Assert.Equal(new HttpDirectResponse(418, null, "teapot"), routes[3].Direct);
        Assert.All(routes, r => Assert.Empty(r.Destinations));
    }

    [Theory]
    [InlineData("productpage", "default", "productpage")]
    [InlineData("productpage.default", "default", "productpage")]
    [InlineData("ratings.other", "other", "ratings")]
    [InlineData("ratings.other.svc", "other", "ratings")]
    [InlineData("ratings.other.svc.cluster.local", "other", "ratings")]
    public void Build_DestinationHost_ShortAndQualifiedNames_ResolveRelativeToTheVirtualService(string host, string ns, string name)
    {
        var vs = $$"""{ "hosts": ["*"], "gateways": ["gw"], "http": [ { "route": [ { "destination": { "host": "{{host}}" } } ] } ] }""";
        var config = Build([GatewayObject("default", "gw", BookinfoGateway), VirtualServiceObject("default", "vs", vs)],
            Service("default", "productpage", 9080), Service("other", "ratings", 8000));
        Assert.Empty(config.Warnings);
        var destination = Assert.Single(Assert.Single(config.Listeners[8080].HttpRoutes).Destinations);
        Assert.Equal(new ServiceKey(ns, name), destination.Service);
        Assert.Equal(name == "ratings" ? 8000 : 9080, destination.Port);
    }

    [Theory]
    [InlineData("cluster.local", "ratings.other.svc.cluster.local", true)]
    [InlineData("edge.example", "ratings.other.svc.edge.example", true)]
    [InlineData("edge.example", "ratings.other.svc.cluster.local", false)]
    [InlineData("", "ratings.other.svc.anything.at.all", true)]
    public void Build_ClusterDomain_QualifiedHostsMustEndInIt_NoneConfiguredTakesAny(string domain, string host, bool resolved)
    {
        var vs = $$"""{ "hosts": ["*"], "gateways": ["gw"], "http": [ { "route": [ { "destination": { "host": "{{host}}" } } ] } ] }""";
        var config = GatewayConfigBuilder.Build(Snapshot([GatewayObject("default", "gw", BookinfoGateway), VirtualServiceObject("default", "vs", vs)], Service("other", "ratings", 8000)),
            IngressLabels, domain);
        Assert.Equal(resolved, config.Listeners[8080].HttpRoutes.Count == 1);
        Assert.Equal(resolved, config.Warnings.Count == 0);
    }

    [Fact]
    public void Build_DestinationProblems_SkipOrKeepWithAWarningNamingTheField()
    {
        var vs = """
            {
              "hosts": ["*"], "gateways": ["gw"],
              "http": [
                { "route": [
                    { "destination": { "host": "unknown", "port": { "number": 80 } }, "weight": 50 },
                    { "destination": { "host": "api.example.com" }, "weight": 10 },
                    { "destination": { "host": "two-ports" }, "weight": 10 },
                    { "destination": { "host": "productpage", "subset": "v1", "port": { "number": 1234 } }, "weight": 40 },
                    { "destination": { "host": "productpage.default.svc.other.domain" }, "weight": 10 }
                ] }
              ]
            }
            """;
        var config = Build([GatewayObject("default", "gw", BookinfoGateway), VirtualServiceObject("default", "vs", vs)],
            Service("default", "productpage", 9080), Service("default", "two-ports", 80, 443));
        var route = Assert.Single(config.Listeners[8080].HttpRoutes);
        Assert.Equal([("unknown", 80, 50), ("productpage", 1234, 40)], route.Destinations.Select(d => (d.Service.Name, d.Port, d.Weight)));
        Assert.Contains(config.Warnings, w => w.StartsWith("VirtualService default/vs: spec.http[0].route[0].destination.host: Service default/unknown is not in the catalog", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.StartsWith("VirtualService default/vs: spec.http[0].route[1].destination.host: host outside the cluster: 'api.example.com'", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.StartsWith("VirtualService default/vs: spec.http[0].route[2].destination.port: missing, and Service default/two-ports has 2 ports", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.StartsWith("VirtualService default/vs: spec.http[0].route[3].destination.subset: ignored", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.StartsWith("VirtualService default/vs: spec.http[0].route[3].destination.port: Service default/productpage has no port 1234", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.Contains("route[4].destination.host: host outside the cluster: 'productpage.default.svc.other.domain'", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_Weights_UnsetShareEvenly_MissingAmongGivenIsZero_AllZeroSkipsTheRoute()
    {
        var vs = """
            {
              "hosts": ["*"], "gateways": ["gw"],
              "http": [
                { "match": [ { "uri": { "prefix": "/even" } } ], "route": [ { "destination": { "host": "a" } }, { "destination": { "host": "b" } } ] },
                { "match": [ { "uri": { "prefix": "/partial" } } ], "route": [ { "destination": { "host": "a" }, "weight": 30 }, { "destination": { "host": "b" } } ] },
                { "match": [ { "uri": { "prefix": "/zero" } } ], "route": [ { "destination": { "host": "a" }, "weight": 0 }, { "destination": { "host": "b" }, "weight": 0 } ] }
              ]
            }
            """;
        var config = Build([GatewayObject("default", "gw", BookinfoGateway), VirtualServiceObject("default", "vs", vs)], Service("default", "a", 80), Service("default", "b", 80));
        var routes = config.Listeners[8080].HttpRoutes;
        Assert.Equal(2, routes.Count);
        Assert.Equal([1, 1], routes[0].Destinations.Select(d => d.Weight));
        Assert.Equal([30, 0], routes[1].Destinations.Select(d => d.Weight));
        Assert.Contains(config.Warnings, w => w.Contains("spec.http[1].route: a destination without weight", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.Contains("spec.http[2].route: every weight is 0", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_Gateways_VirtualServicesBindByNameOrNamespacedName_MeshAndOthersIgnored()
    {
        var other = BookinfoGateway.Replace("ingressgateway", "egressgateway");
        string Vs(string gateways) => $$"""{ "hosts": ["*"], "gateways": {{gateways}}, "http": [ { "route": [ { "destination": { "host": "a.default" } } ] } ] }""";
        var config = Build(
            [
                GatewayObject("edge", "gw", BookinfoGateway), GatewayObject("edge", "other", other),
                VirtualServiceObject("edge", "by-name", Vs("""["gw"]""")),
                VirtualServiceObject("shop", "by-namespaced-name", Vs("""["edge/gw"]""")),
                VirtualServiceObject("shop", "wrong-namespace", Vs("""["gw"]""")),
                VirtualServiceObject("edge", "mesh-only", Vs("""["mesh"]""")),
                VirtualServiceObject("edge", "no-gateways", """{ "hosts": ["*"], "http": [ { "route": [ { "destination": { "host": "a.default" } } ] } ] }"""),
                VirtualServiceObject("edge", "other-gateway", Vs("""["other"]""")),
            ],
            Service("default", "a", 80));
        Assert.Empty(config.Warnings);
        Assert.Equal(["edge/by-name", "shop/by-namespaced-name"], config.Listeners[8080].HttpRoutes.Select(r => r.VirtualService));
    }

    [Fact]
    public void Build_NamespacedServerHosts_GrantThoseHostsToThatNamespaceOnly()
    {
        var gateway = """
            { "servers": [ { "port": { "number": 80, "name": "http", "protocol": "HTTP" },
                             "hosts": [ "shop/shop.example.com", "./edge.example.com", "*/*.public.example.com", "open.example.com" ] } ] }
            """;
        string Vs(string hosts) => $$"""{ "hosts": {{hosts}}, "gateways": ["edge/gw"], "http": [ { "route": [ { "destination": { "host": "a.default" } } ] } ] }""";
        var config = Build(
            [
                GatewayObject("edge", "gw", gateway),
                VirtualServiceObject("shop", "all", Vs("""["*"]""")),
                VirtualServiceObject("edge", "all", Vs("""["*"]""")),
                VirtualServiceObject("other", "all", Vs("""["*"]""")),
                VirtualServiceObject("other", "takeover", Vs("""["shop.example.com"]""")),
                VirtualServiceObject("other", "narrow", Vs("""["*.example.com", "api.public.example.com"]""")),
            ],
            Service("default", "a", 80));
        Assert.Empty(config.Warnings);
        var hosts = config.Listeners[80].HttpRoutes.ToDictionary(r => r.VirtualService, r => r.Hosts);
        Assert.Equal(["edge/all", "other/all", "other/narrow", "shop/all"], hosts.Keys.Order());
        Assert.Equal(["shop.example.com", "*.public.example.com", "open.example.com"], hosts["shop/all"]);
        Assert.Equal(["edge.example.com", "*.public.example.com", "open.example.com"], hosts["edge/all"]);
        Assert.Equal(["*.public.example.com", "open.example.com"], hosts["other/all"]);
        Assert.Equal(["*.public.example.com", "open.example.com", "api.public.example.com"], hosts["other/narrow"]);
    }

    [Fact]
    public void Build_TwoGatewaysOnAPort_AVirtualServiceServesOnlyItsGatewaysHosts()
    {
        string Gw(string host) => $$"""{ "servers": [ { "port": { "number": 80, "name": "http", "protocol": "HTTP" }, "hosts": [ "{{host}}" ] } ] }""";
        string Vs(string gateway) => $$"""{ "hosts": ["*"], "gateways": ["{{gateway}}"], "http": [ { "route": [ { "destination": { "host": "a.default" } } ] } ] }""";
        var config = Build([GatewayObject("edge", "a", Gw("a.example.com")), GatewayObject("edge", "b", Gw("b.example.com")),
            VirtualServiceObject("edge", "for-a", Vs("a")), VirtualServiceObject("edge", "for-b", Vs("b"))], Service("default", "a", 80));
        var listener = config.Listeners[80];
        Assert.Equal("edge/for-a", listener.MatchHttp("a.example.com", "GET", "/", "", _ => null)?.VirtualService);
        Assert.Equal("edge/for-b", listener.MatchHttp("b.example.com", "GET", "/", "", _ => null)?.VirtualService);
    }

    [Fact]
    public void Build_MatchGateways_KeepOnlyTheMatchesForThisGateway()
    {
        var vs = """
            {
              "hosts": ["*"], "gateways": ["gw", "mesh"],
              "http": [
                { "match": [ { "uri": { "prefix": "/a" }, "gateways": ["mesh"] }, { "uri": { "prefix": "/b" } } ], "route": [ { "destination": { "host": "a" } } ] },
                { "match": [ { "uri": { "prefix": "/c" }, "gateways": ["mesh"] } ], "route": [ { "destination": { "host": "a" } } ] }
              ]
            }
            """;
        var config = Build([GatewayObject("default", "gw", BookinfoGateway), VirtualServiceObject("default", "vs", vs)], Service("default", "a", 80));
        var route = Assert.Single(config.Listeners[8080].HttpRoutes);
        Assert.Equal(new StringMatch(MatchKind.Prefix, "/b"), Assert.Single(route.Matches).Uri);
    }

    [Fact]
    public void Build_VirtualServicesInCreationOrder()
    {
        string Vs(string prefix) => $$"""{ "hosts": ["*"], "gateways": ["gw"], "http": [ { "match": [ { "uri": { "prefix": "{{prefix}}" } } ], "route": [ { "destination": { "host": "a" } } ] } ] }""";
        var config = Build(
            [
                GatewayObject("default", "gw", BookinfoGateway),
                VirtualServiceObject("default", "a-newer", Vs("/newer"), created: "2026-03-01T10:00:00Z"),
                VirtualServiceObject("default", "b-older", Vs("/older"), created: "2025-01-01T10:00:00Z"),
            ],
            Service("default", "a", 80));
        Assert.Equal(["default/b-older", "default/a-newer"], config.Listeners[8080].HttpRoutes.Select(r => r.VirtualService));
    }

    [Fact]
    public void Build_TcpAndPassthrough_StreamRoutesOnTheirPorts()
    {
        var gateway = """
            {
              "selector": { "istio": "ingressgateway" },
              "servers": [
                { "port": { "number": 31400, "name": "tcp", "protocol": "TCP" }, "hosts": ["*"] },
                { "port": { "number": 443, "name": "tls", "protocol": "TLS" }, "hosts": ["nginx.example.com", "*.db.example.com", "db.example.com"], "tls": { "mode": "PASSTHROUGH" } },
                { "port": { "number": 8443, "name": "https-passthrough", "protocol": "HTTPS" }, "hosts": ["*"], "tls": { "mode": "PASSTHROUGH" } }
              ]
            }
            """;
        var vs = """
            {
              "hosts": ["*"], "gateways": ["gw"],
              "tcp": [ { "match": [ { "port": 31400 } ], "route": [ { "destination": { "host": "tcp-echo", "port": { "number": 9000 } } } ] } ],
              "tls": [
                { "match": [ { "port": 443, "sniHosts": ["nginx.example.com"] } ], "route": [ { "destination": { "host": "my-nginx", "port": { "number": 443 } } } ] },
                { "match": [ { "sniHosts": ["*.db.example.com"] }, { "sniHosts": ["db.example.com"] } ], "route": [ { "destination": { "host": "db" } } ] }
              ]
            }
            """;
        var config = Build([GatewayObject("default", "gw", gateway), VirtualServiceObject("default", "streams", vs)],
            Service("default", "tcp-echo", 9000), Service("default", "my-nginx", 443), Service("default", "db", 5432));
        Assert.Empty(config.Warnings);
        Assert.Equal(ServerProtocol.Tcp, config.Listeners[31400].Protocol);
        Assert.Equal(new RouteDestination(new ServiceKey("default", "tcp-echo"), 9000, 100), Assert.Single(Assert.Single(config.Listeners[31400].StreamRoutes).Destinations));
        var tls = config.Listeners[443];
        Assert.Equal(ServerProtocol.Tls, tls.Protocol);
        Assert.Equal(new GatewayTls(GatewayTlsMode.Passthrough, null), Assert.Single(tls.Servers).Tls);
        Assert.Equal([["nginx.example.com"], ["*.db.example.com"], ["db.example.com"]], tls.StreamRoutes.Select(r => r.SniHosts));
        Assert.Equal([443, null, null], tls.StreamRoutes.Select(r => r.Port));
        Assert.Equal(ServerProtocol.Tls, config.Listeners[8443].Protocol);
        Assert.Empty(config.Listeners[443].HttpRoutes);
    }

    [Fact]
    public void Build_ConflictingProtocolsOnAPort_TheLaterServerSkipped()
    {
        var first = """{ "servers": [ { "port": { "number": 80, "name": "http", "protocol": "HTTP" }, "hosts": ["a.example.com"] } ] }""";
        var second = """
            { "servers": [ { "port": { "number": 80, "name": "tcp", "protocol": "TCP" }, "hosts": ["*"] },
                           { "port": { "number": 80, "name": "http-b", "protocol": "http" }, "hosts": ["b.example.com"] } ] }
            """;
        var config = Build([GatewayObject("default", "a", first), GatewayObject("default", "b", second)]);
        var listener = config.Listeners[80];
        Assert.Equal(ServerProtocol.Http, listener.Protocol);
        Assert.Equal(["http", "http-b"], listener.Servers.Select(s => s.Name));
        var warning = Assert.Single(config.Warnings);
        Assert.StartsWith("Gateway default/b: server tcp: port 80 is already served as Http", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GRPC", "GRPC", true)]
    [InlineData("HTTP2", "grpc", true)]
    [InlineData("GRPC", "HTTP", false)]
    [InlineData("GRPC-WEB", "GRPC-WEB", false)]
    [InlineData("HTTP", "HTTP", false)]
    public void Build_PlainPortWhoseServersAllDeclareHttp2OrGrpc_IsCleartextHttp2(string first, string second, bool h2c)
    {
        var gateway = $$"""
            { "servers": [ { "port": { "number": 80, "name": "a", "protocol": "{{first}}" }, "hosts": ["a.example.com"] },
                           { "port": { "number": 80, "name": "b", "protocol": "{{second}}" }, "hosts": ["b.example.com"] } ] }
            """;
        var listener = Build([GatewayObject("edge", "gw", gateway)]).Listeners[80];
        Assert.Equal(ServerProtocol.Http, listener.Protocol);
        Assert.Equal(h2c, listener.CleartextHttp2);
    }

    [Theory]
    [InlineData("""{ "number": 80, "protocol": "HTTP" }""", """["*"]""", null, "http-80")]
    [InlineData("""{ "number": 80, "name": "web", "protocol": "GRPC" }""", """["*"]""", null, "web")]
    [InlineData("""{ "number": 0, "name": "web", "protocol": "HTTP" }""", """["*"]""", "spec.servers[0].port.number: 0 is outside 1..65535", null)]
    [InlineData("""{ "number": "eighty", "protocol": "HTTP" }""", """["*"]""", "spec.servers[0].port.number: not a number", null)]
    [InlineData("""{ "number": 80 }""", """["*"]""", "spec.servers[0].port.protocol: missing", null)]
    [InlineData("""{ "number": 80, "protocol": "QUIC" }""", """["*"]""", "spec.servers[0].port.protocol: unknown protocol 'QUIC'", null)]
    [InlineData("""{ "number": 80, "protocol": "HTTP" }""", """[]""", "spec.servers[0].hosts: no hosts", null)]
    [InlineData("""{ "number": 80, "protocol": "HTTP" }""", "\"*\"", "spec.servers[0].hosts: not a list", null)]
    [InlineData("""[80]""", """["*"]""", "spec.servers[0].port: not an object", null)]
    public void Build_ServerFields_MalformedOnesSkipTheServerWithAWarning(string port, string hosts, string? warning, string? name)
    {
        var gateway = $$"""{ "servers": [ { "port": {{port}}, "hosts": {{hosts}} } ] }""";
        var config = Build([GatewayObject("edge", "gw", gateway)]);
        if (warning is null)
        {
            Assert.Empty(config.Warnings);
            Assert.Equal(name, Assert.Single(config.Listeners[80].Servers).Name);
        }
        else
        {
            Assert.Empty(config.Listeners);
            Assert.Contains(config.Warnings, w => w.StartsWith($"Gateway edge/gw: {warning}", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("""{ "mode": "ISTIO_MUTUAL" }""", "spec.servers[0].tls.mode: ISTIO_MUTUAL is not supported")]
    [InlineData("""{ "mode": "AUTO_PASSTHROUGH" }""", "spec.servers[0].tls.mode: AUTO_PASSTHROUGH is not supported")]
    [InlineData("""{ "mode": "OPTIONAL_MUTUAL", "credentialName": "c" }""", "spec.servers[0].tls.mode: OPTIONAL_MUTUAL is not supported")]
    [InlineData("""{ "mode": "STRICT" }""", "spec.servers[0].tls.mode: unknown mode 'STRICT'")]
    [InlineData("""{ "mode": "SIMPLE" }""", "spec.servers[0].tls.credentialName: missing")]
    [InlineData("""{ "mode": "SIMPLE", "serverCertificate": "/etc/cert.pem", "privateKey": "/etc/key.pem" }""", "spec.servers[0].tls.credentialName: missing: certificate files")]
    [InlineData("""{ "mode": "SIMPLE", "credentialName": "absent" }""", "spec.servers[0].tls.credentialName: Secret edge/absent not found")]
    [InlineData("""{ "mode": "MUTUAL", "credentialName": "c", "subjectAltNames": ["spiffe://x"] }""", "spec.servers[0].tls.subjectAltNames: not supported")]
    [InlineData("""{ "mode": "SIMPLE", "credentialName": "c", "minProtocolVersion": "TLSV9" }""", "spec.servers[0].tls.minProtocolVersion: unknown version 'TLSV9'")]
    [InlineData("""{ "mode": "SIMPLE", "credentialName": "c", "maxProtocolVersion": "TLSV1_1" }""", "spec.servers[0].tls.maxProtocolVersion: TLSV1_1: versions below TLS 1.2 are not offered")]
    [InlineData("""{ "mode": "SIMPLE", "credentialName": "c", "minProtocolVersion": "TLSV1_3", "maxProtocolVersion": "TLSV1_2" }""", "spec.servers[0].tls.maxProtocolVersion: lower than minProtocolVersion")]
    [InlineData("""true""", "spec.servers[0].tls: not an object")]
    public void Build_TlsSettingsNotServable_SkipTheServerWithAWarning(string tls, string warning)
    {
        var gateway = $$"""{ "servers": [ { "port": { "number": 443, "name": "https", "protocol": "HTTPS" }, "hosts": ["*"], "tls": {{tls}} } ] }""";
        var config = Build([GatewayObject("edge", "gw", gateway)]);
        Assert.Empty(config.Listeners);
        Assert.Contains(config.Warnings, w => w.StartsWith($"Gateway edge/gw: {warning}", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_HttpsRedirectOnAnHttpServer_IsKept()
    {
        var gateway = """{ "servers": [ { "port": { "number": 80, "name": "http", "protocol": "HTTP" }, "hosts": ["*"], "tls": { "httpsRedirect": true } } ] }""";
        var server = Assert.Single(Build([GatewayObject("edge", "gw", gateway)]).Listeners[80].Servers);
        Assert.True(server.Tls!.HttpsRedirect);
        Assert.Null(server.Tls.Certificate);
    }

    [Theory]
    [InlineData("""{ "uri": { "regex": "([a-z" } }""", "spec.http[0].match[0].uri.regex: invalid regex '([a-z'")]
    [InlineData("""{ "uri": { "regex": "(a)\\1" } }""", "spec.http[0].match[0].uri.regex: invalid regex '(a)\\1'")]
    [InlineData("""{ "uri": { "exact": "/a", "prefix": "/b" } }""", "spec.http[0].match[0].uri: more than one of exact, prefix and regex")]
    [InlineData("""{ "uri": { "exact": 7 } }""", "spec.http[0].match[0].uri.exact: not a string")]
    [InlineData("""{ "headers": { "x": "y" } }""", "spec.http[0].match[0].headers.x: not an object")]
    [InlineData("""{ "scheme": { "exact": "https" } }""", "spec.http[0].match[0].scheme: scheme matches are not supported")]
    [InlineData("""{ "port": 70000 }""", "spec.http[0].match[0].port: 70000 is outside 1..65535")]
    public void Build_BadMatch_SkipsTheMatch_AndTheRouteWhenNoneIsLeft(string badMatch, string warning)
    {
        var vs = $$"""
            { "hosts": ["*"], "gateways": ["gw"], "http": [
                { "match": [ {{badMatch}}, { "uri": { "prefix": "/kept" } } ], "route": [ { "destination": { "host": "a" } } ] },
                { "match": [ {{badMatch}} ], "route": [ { "destination": { "host": "a" } } ] }
            ] }
            """;
        var config = Build([GatewayObject("default", "gw", BookinfoGateway), VirtualServiceObject("default", "vs", vs)], Service("default", "a", 80));
        var route = Assert.Single(config.Listeners[8080].HttpRoutes);
        Assert.Equal(new StringMatch(MatchKind.Prefix, "/kept"), Assert.Single(route.Matches).Uri);
        Assert.Contains(config.Warnings, w => w.StartsWith($"VirtualService default/vs: {warning}", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.StartsWith("VirtualService default/vs: spec.http[1].match: every match was skipped; route skipped", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{ "route": [ { "destination": { "host": "a" } } ], "timeout": "soon" }""", "spec.http[0].timeout: not a duration: 'soon'")]
    [InlineData("""{ "route": [ { "destination": { "host": "a" } } ], "retries": { "attempts": -1 } }""", "spec.http[0].retries.attempts: -1 is outside 0..100")]
    [InlineData("""{ "route": [ { "destination": { "host": "a" } } ], "rewrite": { "uriRegexRewrite": { "match": "a", "rewrite": "b" } } }""", "spec.http[0].rewrite.uriRegexRewrite: not supported")]
    [InlineData("""{ "route": [ { "destination": { "host": "a" } } ], "redirect": { "uri": "/x" } }""", "spec.http[0]: more than one of route, redirect and directResponse")]
    [InlineData("""{ "match": [ { "uri": { "prefix": "/" } } ] }""", "spec.http[0]: no route, redirect or directResponse")]
    [InlineData("""{ "delegate": { "name": "other" } }""", "spec.http[0].delegate: delegate is not supported")]
    [InlineData("""{ "route": { "destination": { "host": "a" } } }""", "spec.http[0].route: not a list")]
    [InlineData("""{ "route": [ { "destination": { "host": "*.example.com" } } ] }""", "spec.http[0].route[0].destination.host: wildcard host")]
    [InlineData("""{ "redirect": { "scheme": "https" } }""", "spec.http[0].redirect: a scheme or port without authority is not supported")]
    [InlineData("""{ "directResponse": { "body": { "string": "x" } } }""", "spec.http[0].directResponse.status: missing")]
    [InlineData("""[]""", "spec.http[0]: not an object")]
    public void Build_BadRoute_SkippedWithAWarningNamingTheField(string entry, string warning)
    {
        var vs = $$"""{ "hosts": ["*"], "gateways": ["gw"], "http": [ {{entry}}, { "route": [ { "destination": { "host": "a" } } ] } ] }""";
        var config = Build([GatewayObject("default", "gw", BookinfoGateway), VirtualServiceObject("default", "vs", vs)], Service("default", "a", 80));
        Assert.Equal("default/vs#1", Assert.Single(config.Listeners[8080].HttpRoutes).Name);
        Assert.Contains(config.Warnings, w => w.StartsWith($"VirtualService default/vs: {warning}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not json at all", "Gateway default/broken: not valid JSON")]
    [InlineData("[1, 2]", "Gateway default/broken: not a JSON object")]
    [InlineData("""{ "kind": "Gateway" }""", "Gateway default/broken: spec: missing or not an object; Gateway skipped")]
    [InlineData("""{ "spec": { "selector": ["istio"] } }""", "Gateway default/broken: spec.selector: not an object")]
    [InlineData("""{ "spec": { "selector": { "istio": 1 } } }""", "Gateway default/broken: spec.selector.istio: not a string")]
    [InlineData("""{ "spec": { "servers": {} } }""", "Gateway default/broken: spec.servers: not a list")]
    public void Build_MalformedGateway_SkippedWithAWarning_OthersServed(string json, string warning)
    {
        var broken = new MeshResource(new ResourceKey("networking.istio.io", "Gateway", "default", "broken"), "networking.istio.io/v1", json);
        var config = Build([broken, GatewayObject("default", "gw", BookinfoGateway), VirtualServiceObject("default", "bookinfo", Bookinfo.Replace("bookinfo-gateway", "gw"))],
            Service("default", "productpage", 9080));
        Assert.Single(config.Listeners[8080].HttpRoutes);
        Assert.Contains(config.Warnings, w => w.StartsWith(warning, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{ "spec": { "gateways": ["gw"] } }""", "spec.hosts: missing or empty; VirtualService skipped")]
    [InlineData("""{ "spec": { "hosts": "a.example.com", "gateways": ["gw"] } }""", "spec.hosts: not a list")]
    [InlineData("""{ "spec": { "hosts": ["*"], "gateways": [7] } }""", "spec.gateways[0]: not a string")]
    [InlineData("""{ "spec": { "hosts": ["*"], "gateways": ["gw"], "tcp": [ { "route": [] } ] } }""", "spec.tcp[0].route: no usable destination")]
    [InlineData("""{ "spec": { "hosts": ["*"], "gateways": ["gw"], "tls": [ { "route": [ { "destination": { "host": "a" } } ] } ] } }""", "spec.tls[0]: a tls route needs match[].sniHosts")]
    public void Build_MalformedVirtualService_WarningNamesObjectAndField(string json, string warning)
    {
        var broken = new MeshResource(new ResourceKey("networking.istio.io", "VirtualService", "default", "broken"), "networking.istio.io/v1", json);
        var config = Build([broken, GatewayObject("default", "gw", BookinfoGateway)], Service("default", "a", 80));
        Assert.Contains(config.Warnings, w => w.StartsWith($"VirtualService default/broken: {warning}", StringComparison.Ordinal));
    }
}
