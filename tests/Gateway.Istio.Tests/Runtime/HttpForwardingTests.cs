using Microsoft.AspNetCore.Http;
using PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support;
using static PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support.GatewayHarness;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime;

/// <summary>HTTP through a real gateway port to real backends: routing, rewrite, headers, direct answers, failures, timeouts, retries.</summary>
public sealed class HttpForwardingTests
{
    [Fact]
    public async Task Request_MatchingRoute_ReachesTheBackend_WithForwardedHeaders_AndHostKept()
    {
        await using var backend = await Backend.EchoAsync("reviews");
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
        var port = FreePort();
        await gateway.ApplyAsync(Http(port, Route("reviews", ["shop.example.com"], [Prefix("/reviews")], [To(Reviews, 9080)])));

        using var client = Client(port);
        var body = await client.GetStringAsync($"http://shop.example.com:{port}/reviews/1?x=2", TestTimeout.Token());

        Assert.Equal($"reviews /reviews/1?x=2 host=shop.example.com:{port} xff=127.0.0.1 proto=http xfh=shop.example.com:{port}", body);
        // Counted when the handler returns, which may be just after the client has the whole response.
        await Eventually.TrueAsync(() => Count(gateway, "reviews", "2xx") == 1, "one 2xx counted for reviews");
    }

    [Fact]
    public async Task Request_NoRouteForHostOrPath_Is404_NamingWhatWasAsked()
    {
        await using var gateway = await StartAsync();
        var port = FreePort();
        await gateway.ApplyAsync(Http(port, Route("reviews", ["shop.example.com"], [Prefix("/reviews")], [To(Reviews, 9080)])));
        using var client = Client(port);

        using var wrongPath = await client.GetAsync($"http://shop.example.com:{port}/other", TestTimeout.Token());
        using var wrongHost = await client.GetAsync($"http://else.example.com:{port}/reviews", TestTimeout.Token());

        Assert.Equal(HttpStatusCode.NotFound, wrongPath.StatusCode);
        Assert.Equal($"no route for shop.example.com/other on port {port}\n", await wrongPath.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, wrongHost.StatusCode);
        await Eventually.TrueAsync(() => Count(gateway, "no_route", "4xx") == 2, "two 4xx counted for no_route");
    }

    [Fact]
    public async Task Rewrite_ReplacesTheMatchedPrefix_AndTheAuthority()
    {
        await using var backend = await Backend.EchoAsync("ratings");
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Ratings, 8080, backend.Endpoint);
        var port = FreePort();
        await gateway.ApplyAsync(Http(port,
            Route("api", ["*"], [Prefix("/api/ratings")], [To(Ratings, 8080)], rewrite: new HttpRewrite("/v2", "ratings.internal"))));
        using var client = Client(port);

        var body = await client.GetStringAsync($"http://shop.example.com:{port}/api/ratings/7", TestTimeout.Token());

        Assert.StartsWith("ratings /v2/7 host=ratings.internal ", body);
    }

    [Fact]
    public async Task DirectResponse_AndRedirect_AreAnsweredByTheGateway()
    {
        await using var gateway = await StartAsync();
        var port = FreePort();
        await gateway.ApplyAsync(Http(port,
            Route("moved", ["*"], [Prefix("/old")], [], direct: new HttpDirectResponse(301, "https://shop.example.com/new", null)),
            Route("health", ["*"], [Prefix("/healthz")], [], direct: new HttpDirectResponse(200, null, "ok"))));
        using var client = Client(port);

        using var moved = await client.GetAsync($"http://shop.example.com:{port}/old", TestTimeout.Token());
        var health = await client.GetStringAsync($"http://shop.example.com:{port}/healthz", TestTimeout.Token());

        Assert.Equal(HttpStatusCode.MovedPermanently, moved.StatusCode);
        Assert.Equal("https://shop.example.com/new", moved.Headers.Location?.ToString());
        Assert.Equal("ok", health);
    }

    [Fact]
    public async Task ConnectorFailures_Are503Or502_NamingTheReason()
    {
        await using var gateway = await StartAsync();
        var closed = FreePort();
        gateway.Connector.Set(Reviews, 9080);
        gateway.Connector.Set(Ratings, 8080, new IPEndPoint(IPAddress.Loopback, closed));
        var port = FreePort();
        var noRetries = new HttpRetry(0, null, new HashSet<string>());
        await gateway.ApplyAsync(Http(port,
            Route("empty", ["*"], [Prefix("/empty")], [To(Reviews, 9080)]),
            Route("gone", ["*"], [Prefix("/gone")], [To(Ratings, 8080)], retries: noRetries),
            Route("unknown", ["*"], [Prefix("/unknown")], [To(new ServiceKey("shop", "nothing"), 80)])));
        using var client = Client(port);

        using var empty = await client.GetAsync($"http://a:{port}/empty", TestTimeout.Token());
        using var gone = await client.GetAsync($"http://a:{port}/gone", TestTimeout.Token());
        using var unknown = await client.GetAsync($"http://a:{port}/unknown", TestTimeout.Token());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, empty.StatusCode);
        Assert.StartsWith("no ready endpoint of shop/reviews:9080", await empty.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadGateway, gone.StatusCode);
        Assert.StartsWith("no endpoint of shop/ratings:8080 could be reached", await gone.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unknown.StatusCode);
        Assert.StartsWith("no service shop/nothing with port 80", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Timeout_OfTheRoute_Is504_WhileTheBackendStillWorks()
    {
        using var release = new SemaphoreSlim(0);
        await using var backend = await Backend.StartAsync(async context =>
        {
            await release.WaitAsync(TestTimeout.Token());
            await context.Response.WriteAsync("late");
        });
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
        var port = FreePort();
        await gateway.ApplyAsync(Http(port, Route("slow", ["*"], [], [To(Reviews, 9080)], timeout: TimeSpan.FromMilliseconds(300))));
        using var client = Client(port);

        using var response = await client.GetAsync($"http://a:{port}/", TestTimeout.Token());
        release.Release(10);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.StartsWith("upstream request timeout (300 ms) for route slow", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Retry_OnA503_TriesAgain_AndTheClientSeesOnlyTheSuccess()
    {
        var calls = 0;
        await using var backend = await Backend.StartAsync(context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.StatusCode = 503;
                return context.Response.WriteAsync("first try fails");
            }
            return context.Response.WriteAsync("second try works");
        });
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
        var port = FreePort();
        await gateway.ApplyAsync(Http(port,
            Route("flaky", ["*"], [], [To(Reviews, 9080)], retries: new HttpRetry(2, TimeSpan.FromSeconds(30), new HashSet<string> { "gateway-error" }))));
        using var client = Client(port);

        using var response = await client.GetAsync($"http://a:{port}/", TestTimeout.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("second try works", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, calls);
        Assert.Equal(1, gateway.Metrics.Retries);
    }

    [Fact]
    public async Task Retry_NotAmongTheConditions_PassesTheFailureOn()
    {
        var calls = 0;
        await using var backend = await Backend.StartAsync(context =>
        {
            Interlocked.Increment(ref calls);
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
        var port = FreePort();
        await gateway.ApplyAsync(Http(port, Route("r", ["*"], [], [To(Reviews, 9080)], retries: new HttpRetry(3, null, new HashSet<string> { "gateway-error" }))));
        using var client = Client(port);

        using var response = await client.GetAsync($"http://a:{port}/", TestTimeout.Token());

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task PostWithBody_IsForwarded_AndNotRetriedOnAStatus()
    {
        var calls = 0;
        await using var backend = await Backend.StartAsync(async context =>
        {
            Interlocked.Increment(ref calls);
            using var reader = new StreamReader(context.Request.Body);
            var text = await reader.ReadToEndAsync();
            context.Response.StatusCode = 503;
            await context.Response.WriteAsync("got " + text);
        });
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
        var port = FreePort();
        await gateway.ApplyAsync(Http(port, Route("r", ["*"], [], [To(Reviews, 9080)], retries: new HttpRetry(3, null, new HashSet<string> { "5xx" }))));
        using var client = Client(port);

        using var response = await client.PostAsync($"http://a:{port}/", new StringContent("payload"), TestTimeout.Token());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("got payload", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Body_LargerThanTheLimit_Is413_DeclaredBeforeForwarding_ChunkedWhileForwarded()
    {
        var calls = 0;
        await using var backend = await Backend.StartAsync(async context =>
        {
            Interlocked.Increment(ref calls);
            await context.Request.Body.CopyToAsync(Stream.Null);
            await context.Response.WriteAsync("read it all");
        });
        await using var gateway = await StartAsync(maxRequestBodyBytes: 1000);
        gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
        var port = FreePort();
        await gateway.ApplyAsync(Http(port, Route("r", ["*"], [], [To(Reviews, 9080)])));
        using var client = Client(port);

        // Content-Length over the limit: refused at once, the backend never asked (a backend that answers
        // without reading the body would otherwise have been handed a request the gateway cannot finish).
        // Raw requests written whole in one send: a client still writing when the gateway closes after its
        // 413 would see a reset instead of the answer (an HTTP/1.1 race, not what is tested here).
        var declared = await RawExchangeAsync(port, [.. "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n"u8, .. new byte[1001]]);
        Assert.StartsWith("HTTP/1.1 413 ", declared, StringComparison.Ordinal);
        Assert.Contains("1001 bytes", declared, StringComparison.Ordinal);
        Assert.Equal(0, calls);

        // Chunked (no length): cut when it outgrows the limit on its way, answered 413, not 502.
        var streamed = await RawExchangeAsync(port,
            [.. "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4b0\r\n"u8, .. new byte[1200], .. "\r\n0\r\n\r\n"u8]);
        Assert.StartsWith("HTTP/1.1 413 ", streamed, StringComparison.Ordinal);
        Assert.Contains("maxRequestBodyBytes", streamed, StringComparison.Ordinal);

        // At the limit it goes through.
        using var fits = await client.PostAsync($"http://a:{port}/", new ByteArrayContent(new byte[1000]), TestTimeout.Token());
        Assert.Equal("read it all", await fits.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WeightedSplit_Over1000Requests_IsWithin3PercentOfTheWeights()
    {
        await using var v1 = await Backend.EchoAsync("v1");
        await using var v2 = await Backend.EchoAsync("v2");
        await using var gateway = await StartAsync();
        var reviewsV2 = new ServiceKey("shop", "reviews-v2");
        gateway.Connector.Set(Reviews, 9080, v1.Endpoint);
        gateway.Connector.Set(reviewsV2, 9080, v2.Endpoint);
        var port = FreePort();
        await gateway.ApplyAsync(Http(port, Route("split", ["*"], [], [To(Reviews, 9080, 80), To(reviewsV2, 9080, 20)])));
        using var client = Client(port);

        var v2Count = 0;
        for (var i = 0; i < 1000; i++)
        {
            if ((await client.GetStringAsync($"http://a:{port}/", TestTimeout.Token())).StartsWith("v2 ", StringComparison.Ordinal)) v2Count++;
        }

        Assert.InRange(v2Count, 170, 230);
    }

    [Fact]
    public async Task AccessLog_WritesOneLinePerRequest_InIstiosFormat()
    {
        var path = Path.Combine(Path.GetTempPath(), "gw-access-" + Guid.NewGuid().ToString("N") + ".log");
        try
        {
            await using var backend = await Backend.EchoAsync("reviews");
            await using (var gateway = await StartAsync(accessLog: path))
            {
                gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
                var port = FreePort();
                await gateway.ApplyAsync(Http(port, Route("reviews", ["*"], [Prefix("/r")], [To(Reviews, 9080)])));
                using var client = Client(port);
                await client.GetStringAsync($"http://shop:{port}/r/1", TestTimeout.Token());
                using var missing = await client.GetAsync($"http://shop:{port}/nothing", TestTimeout.Token());
            }

            var lines = await File.ReadAllLinesAsync(path);
            Assert.Equal(2, lines.Length);
            Assert.Matches("""^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] "GET /r/1 HTTP/1.1" 200 - via_upstream - "-" 0 \d+ \d+ - "-" "-" "-" "shop:\d+" "-" outbound\|9080\|\|reviews.shop.svc.cluster.local - 127.0.0.1:\d+ 127.0.0.1:\d+ - reviews$""", lines[0]);
            Assert.Matches("""^\[.*\] "GET /nothing HTTP/1.1" 404 NR route_not_found .* - -$""", lines[1]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Upgrade_WebSocketStyle_BytesBothWays_LoggedAsA101ViaUpstream()
    {
        var path = Path.Combine(Path.GetTempPath(), "gw-access-" + Guid.NewGuid().ToString("N") + ".log");
        try
        {
            // The backend takes the upgrade and echoes what the client sends until the client ends.
            await using var backend = await Backend.StartAsync(async context =>
            {
                await using var upgraded = await context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpUpgradeFeature>()!.UpgradeAsync();
                await upgraded.CopyToAsync(upgraded);
            });
            await using (var gateway = await StartAsync(accessLog: path))
            {
                gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
                var port = FreePort();
                await gateway.ApplyAsync(Http(port, Route("chat", ["*"], [], [To(Reviews, 9080)])));

                using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, port, TestTimeout.Token());
                await using var stream = new System.Net.Sockets.NetworkStream(socket, ownsSocket: false);
                await stream.WriteAsync("GET /chat HTTP/1.1\r\nHost: chat\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"u8.ToArray(), TestTimeout.Token());
                var head = await ReadUntilAsync(stream, "\r\n\r\n"u8.ToArray());
                Assert.StartsWith("HTTP/1.1 101 ", System.Text.Encoding.ASCII.GetString(head), StringComparison.Ordinal);
                await stream.WriteAsync("hello, upgraded"u8.ToArray(), TestTimeout.Token());
                Assert.Equal("hello, upgraded", System.Text.Encoding.ASCII.GetString(await ReadUntilAsync(stream, "upgraded"u8.ToArray())));
                socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
                while (await stream.ReadAsync(new byte[64], TestTimeout.Token()) > 0)
                {
                }
                await Eventually.TrueAsync(() => Count(gateway, "chat", "1xx") == 1, "the upgraded request counted once it ended");
            }

            var line = Assert.Single(await File.ReadAllLinesAsync(path));
            Assert.Matches("""^\[.*\] "GET /chat HTTP/1.1" 101 - via_upstream """, line);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<byte[]> ReadUntilAsync(Stream stream, byte[] end)
    {
        var got = new List<byte>();
        var one = new byte[1];
        while (!got.ToArray().AsSpan().EndsWith(end))
        {
            if (await stream.ReadAsync(one, TestTimeout.Token()) == 0) throw new EndOfStreamException("closed before " + System.Text.Encoding.ASCII.GetString(end));
            got.Add(one[0]);
        }
        return [.. got];
    }

    [Fact]
    public async Task PlainPortDeclaredGrpc_SpeaksHttp2WithPriorKnowledge_AndBackToHttp1WhenRedeclared()
    {
        await using var backend = await Backend.EchoAsync("reviews");
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
        var port = FreePort();
        GatewayListener Declared(bool grpc) => new(port, ServerProtocol.Http, [Server(port, ServerProtocol.Http, ["*"]) with { CleartextHttp2 = grpc }],
            [Route("r", ["*"], [], [To(Reviews, 9080)])], []);
        await gateway.ApplyAsync(Declared(grpc: true));

        // h2c with prior knowledge, as a gRPC client without TLS connects.
        using var h2c = new HttpClient(new SocketsHttpHandler()) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using (var response = await h2c.GetAsync($"http://127.0.0.1:{port}/x", TestTimeout.Token()))
        {
            Assert.Equal(HttpVersion.Version20, response.Version);
            Assert.StartsWith("reviews /x", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Redeclared HTTP: the port is opened again for HTTP/1.1.
        await gateway.ApplyAsync(2, [], Declared(grpc: false));
        using var http1 = Client(port);
        using var again = await http1.GetAsync($"http://a:{port}/y", TestTimeout.Token());
        Assert.Equal(HttpVersion.Version11, again.Version);
        Assert.StartsWith("reviews /y", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Headers_OfTheRouteAndTheDestination_OnTheRequestAndTheResponse()
    {
        await using var backend = await Backend.StartAsync(context =>
        {
            var h = context.Request.Headers;
            context.Response.Headers["x-internal"] = "backend detail";
            context.Response.Headers["x-kept"] = "yes";
            return context.Response.WriteAsync($"env={h["x-env"]} tag={string.Join('|', h["x-tag"].ToArray())} secret={h["x-secret"]} dest={h["x-dest"]}");
        });
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
        var port = FreePort();
        var request = new HeaderOperations([new("x-env", "edge")], [new("x-tag", "gw")], ["x-secret"]);
        var response = new HeaderOperations([new("x-served-by", "gateway")], [], ["x-internal"]);
        var destination = To(Reviews, 9080) with { Headers = new HeaderRules(new HeaderOperations([new("x-dest", "reviews")], [], []), null) };
        await gateway.ApplyAsync(Http(port, Route("r", ["*"], [], [destination]) with { Headers = new HeaderRules(request, response) }));
        using var client = Client(port);
        using var message = new HttpRequestMessage(HttpMethod.Get, $"http://a:{port}/");
        message.Headers.Add("x-env", "client");
        message.Headers.Add("x-tag", "client");
        message.Headers.Add("x-secret", "s3cr3t");

        using var answer = await client.SendAsync(message, TestTimeout.Token());

        Assert.Equal("env=edge tag=client, gw secret= dest=reviews", await answer.Content.ReadAsStringAsync()); // added: appended to what the client sent
        Assert.Equal(["gateway"], answer.Headers.GetValues("x-served-by"));
        Assert.False(answer.Headers.Contains("x-internal"));
        Assert.Equal(["yes"], answer.Headers.GetValues("x-kept"));
    }

    [Fact]
    public async Task Cors_AllowedOriginsPreflightAnsweredHere_ActualResponsesCarryAllowHeaders_OthersPassThrough()
    {
        var methods = new List<string>();
        await using var backend = await Backend.StartAsync(context =>
        {
            lock (methods) methods.Add(context.Request.Method);
            return context.Response.WriteAsync("data");
        });
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
        var port = FreePort();
        var cors = new CorsPolicy([new StringMatch(MatchKind.Exact, "https://app.example.com")], ["GET", "PUT"], ["x-token"], ["x-trace"], TimeSpan.FromMinutes(10), true);
        await gateway.ApplyAsync(Http(port, Route("r", ["*"], [], [To(Reviews, 9080)]) with { Cors = cors }));
        using var client = Client(port);

        using (var preflight = new HttpRequestMessage(HttpMethod.Options, $"http://a:{port}/items"))
        {
            preflight.Headers.Add("Origin", "https://app.example.com");
            preflight.Headers.Add("Access-Control-Request-Method", "PUT");
            using var answer = await client.SendAsync(preflight, TestTimeout.Token());
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal(["https://app.example.com"], answer.Headers.GetValues("Access-Control-Allow-Origin"));
            Assert.Equal(["GET,PUT"], answer.Headers.GetValues("Access-Control-Allow-Methods"));
            Assert.Equal(["x-token"], answer.Headers.GetValues("Access-Control-Allow-Headers"));
            Assert.Equal(["600"], answer.Headers.GetValues("Access-Control-Max-Age"));
            Assert.Equal(["true"], answer.Headers.GetValues("Access-Control-Allow-Credentials"));
        }
        Assert.Empty(methods); // answered by the gateway

        using (var get = new HttpRequestMessage(HttpMethod.Get, $"http://a:{port}/items"))
        {
            get.Headers.Add("Origin", "https://app.example.com");
            using var answer = await client.SendAsync(get, TestTimeout.Token());
            Assert.Equal("data", await answer.Content.ReadAsStringAsync());
            Assert.Equal(["https://app.example.com"], answer.Headers.GetValues("Access-Control-Allow-Origin"));
            Assert.Equal(["x-trace"], answer.Headers.GetValues("Access-Control-Expose-Headers"));
        }

        // Another origin: its preflight goes to the endpoint, and no allow header comes back.
        using (var other = new HttpRequestMessage(HttpMethod.Options, $"http://a:{port}/items"))
        {
            other.Headers.Add("Origin", "https://evil.example.net");
            other.Headers.Add("Access-Control-Request-Method", "PUT");
            using var answer = await client.SendAsync(other, TestTimeout.Token());
            Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
        }
        Assert.Equal(["GET", "OPTIONS"], methods);
    }

    [Fact]
    public async Task Fault_AbortAnsweredHere_DelayedRequestsForwardedAndFlagged()
    {
        var path = Path.Combine(Path.GetTempPath(), "gw-access-" + Guid.NewGuid().ToString("N") + ".log");
        try
        {
            var calls = 0;
            await using var backend = await Backend.StartAsync(context =>
            {
                Interlocked.Increment(ref calls);
                return context.Response.WriteAsync("forwarded");
            });
            await using (var gateway = await StartAsync(accessLog: path))
            {
                gateway.Connector.Set(Reviews, 9080, backend.Endpoint);
                var port = FreePort();
                await gateway.ApplyAsync(Http(port,
                    Route("abort", ["*"], [Prefix("/abort")], [To(Reviews, 9080)]) with { Fault = new HttpFault(null, 0, 418, 100) },
                    Route("never", ["*"], [Prefix("/never")], [To(Reviews, 9080)]) with { Fault = new HttpFault(null, 0, 418, 0) },
                    Route("delay", ["*"], [Prefix("/delay")], [To(Reviews, 9080)]) with { Fault = new HttpFault(TimeSpan.FromMilliseconds(20), 100, null, 0) }));
                using var client = Client(port);

                using var aborted = await client.GetAsync($"http://a:{port}/abort", TestTimeout.Token());
                Assert.Equal(418, (int)aborted.StatusCode);
                Assert.Equal("fault filter abort\n", await aborted.Content.ReadAsStringAsync());
                Assert.Equal(0, calls);
                Assert.Equal("forwarded", await client.GetStringAsync($"http://a:{port}/never", TestTimeout.Token()));
                Assert.Equal("forwarded", await client.GetStringAsync($"http://a:{port}/delay", TestTimeout.Token()));
                Assert.Equal(2, calls);
            }

            var lines = await File.ReadAllLinesAsync(path);
            Assert.Contains(lines, l => l.Contains("\"GET /abort HTTP/1.1\" 418 FI fault_filter_abort ", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("\"GET /never HTTP/1.1\" 200 - via_upstream ", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("\"GET /delay HTTP/1.1\" 200 DI via_upstream ", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Mirror_CopiesGoToTheMirrorWithShadowHostForwardingHeadersAndTheRoutesHeaderOps_AnswersDropped_BodiesNotCopied()
    {
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var primary = await Backend.EchoAsync("reviews");
        await using var shadow = await Backend.StartAsync(context =>
        {
            seen.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString} host={context.Request.Host} x={context.Request.Headers["x-trace"]}"
                + $" route={context.Request.Headers["x-route"]} dropped={context.Request.Headers["x-drop"]} xff={context.Request.Headers["X-Forwarded-For"]} xfh={context.Request.Headers["X-Forwarded-Host"]}");
            context.Response.StatusCode = 500; // a mirror's answer never reaches the client
            return context.Response.WriteAsync("shadow");
        });
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9080, primary.Endpoint);
        gateway.Connector.Set(Ratings, 9080, shadow.Endpoint);
        var port = FreePort();
        // The route's request header operations reach the copy as they reach the forwarded request.
        var headers = new HeaderRules(new HeaderOperations([new("x-route", "r")], [], ["x-drop"]), null);
        await gateway.ApplyAsync(Http(port, Route("r", ["*"], [], [To(Reviews, 9080)]) with { Mirrors = [new HttpMirror(To(Ratings, 9080), 100)], Headers = headers }));
        using var client = Client(port);
        using var get = new HttpRequestMessage(HttpMethod.Get, $"http://shop.example.com:{port}/items?page=2");
        get.Headers.Add("x-trace", "t1");
        get.Headers.Add("x-drop", "secret");

        using var answer = await client.SendAsync(get, TestTimeout.Token());
        Assert.StartsWith("reviews /items?page=2", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await Eventually.TrueAsync(() => !seen.IsEmpty, "the copy reached the mirror");
        Assert.Equal($"GET /items?page=2 host=shop.example.com-shadow:{port} x=t1 route=r dropped= xff=127.0.0.1 xfh=shop.example.com:{port}", Assert.Single(seen));
        await Eventually.TrueAsync(() => gateway.Metrics.Mirrors.GetValueOrDefault("r")?.GetValueOrDefault("sent") == 1, "the copy counted as sent");

        using var post = await client.PostAsync($"http://shop.example.com:{port}/items", new StringContent("body"), TestTimeout.Token());
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal(1, gateway.Metrics.Mirrors["r"]["skipped_body"]);
        Assert.Single(seen);
    }

    [Theory]
    [InlineData("shop.example.com", "shop.example.com-shadow")]
    [InlineData("shop.example.com:8080", "shop.example.com-shadow:8080")]
    [InlineData("[::1]:8080", "[::1]-shadow:8080")]
    [InlineData("[::1]", "[::1]-shadow")]
    public void Shadow_AppendsToTheHostBeforeThePort(string authority, string shadow) => Assert.Equal(shadow, PluginMesh.Plugins.Gateway.Istio.Runtime.HttpProxy.Shadow(authority));

    // Writes a whole request in one send and reads the answer until the gateway closes (or 5 s).
    private static async Task<string> RawExchangeAsync(int port, byte[] request)
    {
        var ct = TestTimeout.Token();
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port, ct);
        await socket.SendAsync(request, System.Net.Sockets.SocketFlags.None, ct);
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
        quiet.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, quiet.Token)) > 0)
            {
                answer.Write(buffer, 0, n);
                if (System.Text.Encoding.ASCII.GetString(answer.ToArray()).Contains("maxRequestBodyBytes)", StringComparison.Ordinal)) break;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Kept open: what arrived is the answer.
        }
        return System.Text.Encoding.ASCII.GetString(answer.ToArray());
    }

    private static long Count(GatewayHarness gateway, string route, string statusClass) =>
        gateway.Metrics.Requests.TryGetValue(route, out var byClass) ? byClass.GetValueOrDefault(statusClass) : 0;
}
