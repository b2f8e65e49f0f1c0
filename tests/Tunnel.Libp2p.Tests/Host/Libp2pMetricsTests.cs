using System.Diagnostics.Metrics;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Host;

public sealed class Libp2pMetricsTests
{
    [Fact]
    public async Task StreamLimit_ExtraStreamsAreResetCountedAndConnectionSurvives()
    {
        using var meter = new Meter("test.libp2p." + Guid.NewGuid());
        long rejected = 0, opened = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) => { if (i.Meter == meter) l.EnableMeasurementEvents(i); };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) =>
        {
            if (i.Name == "pluginmesh.libp2p.streams.rejected") Interlocked.Add(ref rejected, v);
            if (i.Name == "pluginmesh.libp2p.connections.opened") Interlocked.Add(ref opened, v);
        });
        listener.Start();

        using var key = PrivateKey.Generate();
        await using var server = new Libp2pHost(new Libp2pHostOptions
        {
            Identity = key,
            ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
            Yamux = new YamuxOptions { MaxInboundStreams = 4 },
            Meter = meter,
        });
        await server.StartAsync();
        await using var client = await HostFactory.StartAsync(listen: false);
        var ct = TestTimeout.Token();
        var conn = await client.DialAsync(HostFactory.DialAddress(server), ct);
        await conn.IdentifyTask.WaitAsync(ct); // the client's identify stream has come and gone

        var open = new List<YamuxStream>();
        var failures = 0;
        for (var i = 0; i < 8; i++)
        {
            try
            {
                open.Add((await conn.OpenStreamAsync(EchoProtocol.ProtocolId, ct)).Stream);
            }
            catch (IOException)
            {
                failures++;
            }
        }
        Assert.Equal(4, open.Count);
        Assert.Equal(4, failures);
        var serverSide = server.Connections.Single();
        await Eventually.TrueAsync(() => Interlocked.Read(ref rejected) == 4, "4 rejections counted");
        Assert.Equal(4, serverSide.Session.RejectedStreams);
        Assert.Equal(1, Interlocked.Read(ref opened));
        // Still usable: close one stream, and a new one is accepted.
        await open[0].DisposeAsync();
        await Eventually.TrueAsync(() => serverSide.Session.StreamCount < 4, "server forgets the closed stream");
        var again = await conn.OpenStreamAsync(EchoProtocol.ProtocolId, ct);
        Assert.Equal(1000, await EchoClient.RunAsync(again.Stream, 1000, ct));
    }
}
