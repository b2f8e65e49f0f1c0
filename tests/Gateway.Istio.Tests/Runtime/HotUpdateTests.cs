using Microsoft.AspNetCore.Http;
using PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support;
using static PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support.GatewayHarness;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime;

/// <summary>Configuration changes while traffic flows: routes swapped, ports opened and drained, nothing under way dropped.</summary>
public sealed class HotUpdateTests
{
    [Fact]
    public async Task RequestUnderWay_SurvivesAConfigChange_NewRequestsTakeTheNewRoutes()
    {
        using var started = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        await using var slow = await Backend.StartAsync(async context =>
        {
            if (context.Request.Path == "/slow")
            {
                started.Release();
                await release.WaitAsync(TestTimeout.Token());
            }
            await context.Response.WriteAsync("v1");
        });
        await using var v2 = await Backend.EchoAsync("v2");
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9080, slow.Endpoint);
        gateway.Connector.Set(Ratings, 9080, v2.Endpoint);
        var port = FreePort();
        await gateway.ApplyAsync(1, [], Http(port, Route("r", ["*"], [], [To(Reviews, 9080)])));
        using var client = Client(port);

        var underWay = client.GetStringAsync($"http://a:{port}/slow", TestTimeout.Token());
        await started.WaitAsync(TestTimeout.Token());
        var otherPort = FreePort();
        await gateway.ApplyAsync(2, ["shop/vs: something skipped"], Http(port, Route("r2", ["*"], [], [To(Ratings, 9080)])), Http(otherPort,
            Route("r3", ["*"], [], [], direct: new HttpDirectResponse(200, null, "other port"))));

        using var fresh = Client(port);
        Assert.StartsWith("v2 /new", await fresh.GetStringAsync($"http://a:{port}/new", TestTimeout.Token()));
        using var other = Client(otherPort);
        Assert.Equal("other port", await other.GetStringAsync($"http://a:{otherPort}/", TestTimeout.Token()));
        release.Release();
        Assert.Equal("v1", await underWay);

        var status = (GatewayStatus)gateway.Service.GetStatus();
        Assert.Equal(2, status.ConfigVersion);
        Assert.Equal(["shop/vs: something skipped"], status.Warnings);
        Assert.Equal(new[] { port, otherPort }.Order(), status.Listeners.Select(l => l.Port));
        Assert.All(status.Listeners, l => Assert.NotEmpty(l.Bound));
    }

    [Fact]
    public async Task PortRemoved_StopsAccepting_ButLetsItsOpenRequestFinish()
    {
        using var started = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        await using var slow = await Backend.StartAsync(async context =>
        {
            started.Release();
            await release.WaitAsync(TestTimeout.Token());
            await context.Response.WriteAsync("finished");
        });
        await using var gateway = await StartAsync();
        gateway.Connector.Set(Reviews, 9080, slow.Endpoint);
        var port = FreePort();
        await gateway.ApplyAsync(1, [], Http(port, Route("r", ["*"], [], [To(Reviews, 9080)])));
        using var client = Client(port);
        var underWay = client.GetStringAsync($"http://a:{port}/", TestTimeout.Token());
        await started.WaitAsync(TestTimeout.Token());

        await gateway.ApplyAsync(2, []);

        await Eventually.TrueAsync(() => !Accepts(port), "the removed port no longer accepts connections");
        release.Release();
        Assert.Equal("finished", await underWay);
        Assert.Empty(((GatewayStatus)gateway.Service.GetStatus()).Listeners);
    }

    [Fact]
    public async Task TcpConnectionUnderWay_SurvivesAConfigChange()
    {
        var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start();
        await using var gateway = await StartAsync();
        var db = new ServiceKey("shop", "db");
        gateway.Connector.Set(db, 5432, (IPEndPoint)backend.LocalEndpoint);
        var port = FreePort();
        GatewayListener Listener(string route) => new(port, ServerProtocol.Tcp, [Server(port, ServerProtocol.Tcp, ["*"])], [],
            [new StreamRoute(route, "shop/vs", [], null, [To(db, 5432)])]);
        await gateway.ApplyAsync(1, [], Listener("before"));

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        using var served = await backend.AcceptTcpClientAsync(TestTimeout.Token());
        await gateway.ApplyAsync(2, [], Listener("after"));

        var stream = client.GetStream();
        await stream.WriteAsync("still here"u8.ToArray());
        var buffer = new byte[10];
        await served.GetStream().ReadExactlyAsync(buffer, TestTimeout.Token());
        Assert.Equal("still here", System.Text.Encoding.ASCII.GetString(buffer));
        backend.Stop();
    }

    [Fact]
    public async Task Stop_WhileARemovedPortDrains_DoesNotWaitForTheDrain()
    {
        using var started = new SemaphoreSlim(0);
        await using var slow = await Backend.StartAsync(async context =>
        {
            started.Release();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        var gateway = await StartAsync(drainSeconds: 3600);
        gateway.Connector.Set(Reviews, 9080, slow.Endpoint);
        var port = FreePort();
        await gateway.ApplyAsync(1, [], Http(port, Route("r", ["*"], [], [To(Reviews, 9080)])));
        using var client = Client(port);
        var underWay = client.GetAsync($"http://a:{port}/", TestTimeout.Token());
        await started.WaitAsync(TestTimeout.Token());
        await gateway.ApplyAsync(2, []);

        // The hour-long drain is cut short: stopping returns, and the request under way ends.
        await gateway.DisposeAsync().AsTask().WaitAsync(TestTimeout.Token());
        await Assert.ThrowsAnyAsync<Exception>(() => underWay);
    }

    [Fact]
    public async Task PortInUse_IsReportedInStatus_AndBoundOnceFree()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using var gateway = await StartAsync();
        // No route needs matching here: the listener only has to be bound.
        await gateway.ApplyAsync(Http(port));

        var status = (GatewayStatus)gateway.Service.GetStatus();
        Assert.NotNull(status.Listeners.Single().Error);
        Assert.Empty(status.Listeners.Single().Bound);

        taken.Stop();
        await gateway.ApplyAsync(Http(port));
        Assert.Null(((GatewayStatus)gateway.Service.GetStatus()).Listeners.Single().Error);
        Assert.True(Accepts(port));
    }

    private static bool Accepts(int port)
    {
        using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
