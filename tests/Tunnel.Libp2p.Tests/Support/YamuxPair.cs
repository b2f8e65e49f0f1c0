using System.Threading.Channels;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary>A client and a server Yamux session over a real loopback socket (no encryption).</summary>
internal sealed class YamuxPair : IAsyncDisposable
{
    private YamuxPair(YamuxSession client, YamuxSession server, Channel<YamuxStream> accepted)
    {
        Client = client;
        Server = server;
        Accepted = accepted;
    }

    public YamuxSession Client { get; }

    public YamuxSession Server { get; }

    public Channel<YamuxStream> Accepted { get; }

    public static async Task<YamuxPair> CreateAsync(YamuxOptions? serverOptions = null, YamuxOptions? clientOptions = null)
    {
        var (a, b) = await SocketPair.StreamsAsync();
        var accepted = Channel.CreateUnbounded<YamuxStream>();
        var client = new YamuxSession(a, true, clientOptions ?? new YamuxOptions(), _ => { });
        var server = new YamuxSession(b, false, serverOptions ?? new YamuxOptions(), s => accepted.Writer.TryWrite(s));
        client.Start();
        server.Start();
        return new YamuxPair(client, server, accepted);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.CloseAsync();
        await Server.CloseAsync();
    }
}
