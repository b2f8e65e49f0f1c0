using System.Net.Sockets;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Robustness;

/// <summary>Garbage at each stage of an inbound connection: the host drops that connection and keeps serving.</summary>
public sealed class HostGarbageTests
{
    public static TheoryData<string> Inputs => new()
    {
        "",                                                                    // connect, send nothing, close
        "ffffffffffffffff",                                                    // bad multistream length
        "132f6d756c746973747265616d2f312e302e300a072f6e6f6973650a" + "ffff" + new string('a', 200), // good /noise, then a truncated huge handshake message
        "132f6d756c746973747265616d2f312e302e300a072f6e6f6973650a" + "0020" + new string('0', 64),  // /noise, then a low-order ephemeral key
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task Garbage_ConnectionDropped_HostStillServes(string hex)
    {
        await using var server = await HostFactory.StartAsync();
        var ct = TestTimeout.Token();
        var endpoint = server.ListenAddresses[0];
        endpoint.TryGetTcpTarget(out var host, out var port, out _);
        using (var raw = new TcpClient())
        {
            await raw.ConnectAsync(host, port, ct);
            var stream = raw.GetStream();
            await stream.WriteAsync(Convert.FromHexString(hex), ct);
            raw.Client.Shutdown(SocketShutdown.Send);
            var sink = new byte[4096];
            try
            {
                while (await stream.ReadAsync(sink, ct) > 0)
                {
                }
            }
            catch (IOException)
            {
                // reset by the host is a clean drop too
            }
        }
        Assert.Empty(server.Connections);
        await using var client = await HostFactory.StartAsync(listen: false);
        var s = await client.OpenStreamAsync(HostFactory.DialAddress(server), EchoProtocol.ProtocolId, ct);
        Assert.Equal(4096, await EchoClient.RunAsync(s.Stream, 4096, ct));
    }
}
