using System.Net.Sockets;
using PluginMesh.Host.Configuration;

namespace PluginMesh.Host.Cli;

/// <summary>Talks to a running agent's admin endpoint (TCP loopback or unix socket).</summary>
internal static class AdminClient
{
    public static HttpClient Create(AdminListen listen, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler();
        Uri baseUri;
        if (listen.UnixSocket is { } path)
        {
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
            baseUri = new Uri("http://localhost/");
        }
        else
        {
            baseUri = new Uri($"http://{listen.Tcp}/");
        }
        return new HttpClient(handler) { BaseAddress = baseUri, Timeout = timeout };
    }
}
