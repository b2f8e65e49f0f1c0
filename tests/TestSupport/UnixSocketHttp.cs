using System.Net.Sockets;

namespace PluginMesh.TestSupport;

/// <summary>An HttpClient for an agent's admin endpoint on a unix socket (<c>admin.listen: unix:PATH</c>).</summary>
public static class UnixSocketHttp
{
    /// <summary>Every request connects to <paramref name="socketPath"/>; the host name in URLs is ignored.</summary>
    public static HttpClient Create(string socketPath, TimeSpan timeout) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = new Uri("http://agent/"), Timeout = timeout };
}
