using System.Net;
using System.Net.Sockets;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Forwarding;

/// <summary>The failover policy decides after a failed dial; the proxy does what it says.</summary>
public sealed class FailoverTests
{
    private static readonly ServicePort NamedTcp = new("http", 80, TransportProtocol.Tcp, 0, "http");

    private static MeshEndpoint Ep(int port) => new(IPAddress.Loopback, "node-a", true, [new EndpointPort("http", port, TransportProtocol.Tcp)]);

    private static int ClosedPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    [Fact]
    public async Task GiveUp_AfterFirstFailure_ResetsClient_EvenWithAnotherEndpoint()
    {
        await using var live = new TcpEchoServer();
        var policy = new RecordingPolicy(_ => new FailoverDecision(FailoverAction.GiveUp, 0));
        var catalog = new FakeCatalog();
        // Round robin starts with the dead endpoint.
        catalog.Publish(new CatalogBuilder().Service("web", "10.96.0.10", [NamedTcp]).Endpoints("web", [Ep(ClosedPort()), Ep(live.Port)]));
        await using var proxy = await ProxyHarness.StartAsync(new ProxyOptions { Mode = ProxyMode.Listen }, ProxyMode.Listen, catalog, failover: policy);

        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var ex = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, proxy.ListenPort("web", 80)), timeout.Token);
            await s.ReceiveAsync(new byte[4], SocketFlags.None, timeout.Token);
        });
        Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);

        var input = Assert.Single(policy.Inputs);
        Assert.Equal(("endpoint", "refused", 1, 1), (input.Operation, input.Reason, input.Attempt, input.Alternatives));
        Assert.Equal(0, live.Accepted);
    }

    [Fact]
    public async Task Retry_SameEndpoint_UntilItComesUp()
    {
        var port = ClosedPort();
        TcpEchoServer? late = null;
        var policy = new RecordingPolicy(input =>
        {
            // The backend appears after the second failure; the proxy keeps retrying the same endpoint.
            if (input.Attempt == 2) late = new TcpEchoServer(IPAddress.Loopback, null, port);
            return new FailoverDecision(FailoverAction.Retry, 10);
        });
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder().Service("web", "10.96.0.10", [NamedTcp]).Endpoints("web", [Ep(port)]));
        await using var proxy = await ProxyHarness.StartAsync(new ProxyOptions { Mode = ProxyMode.Listen, EjectAfterFailures = 10 }, ProxyMode.Listen, catalog, failover: policy);
        try
        {
            Assert.Equal("late", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Loopback, proxy.ListenPort("web", 80)), "late"));
            Assert.Equal(2, policy.Inputs.Count);
        }
        finally
        {
            if (late is not null) await late.DisposeAsync();
        }
    }

    private sealed class RecordingPolicy(Func<FailureInput, FailoverDecision> decide) : IFailoverPolicy
    {
        public List<FailureInput> Inputs { get; } = [];

        public FailoverDecision OnFailure(FailureInput input)
        {
            lock (Inputs) Inputs.Add(input);
            return decide(input);
        }
    }
}
