using System.Net.Sockets;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Configuration;

namespace PluginMesh.Cli;

/// <summary>Talks to a running agent's admin endpoint (TCP loopback or unix socket), for built-in and plugin commands.</summary>
internal static class AdminClient
{
    /// <summary>The admin endpoint: <paramref name="address"/> (<c>--admin</c>), else <c>admin.listen</c> from the configuration.</summary>
    /// <exception cref="ArgumentException"><paramref name="address"/> is not a loopback end point or an absolute unix socket path.</exception>
    public static AdminListen Resolve(string? address, string? configPath)
    {
        var problems = new List<ConfigProblem>();
        if (address is null) return HostSettingsBinder.Bind(ConfigLoader.Load(configPath).Root, problems).Admin;
        var admin = HostSettingsBinder.ParseAdmin(address, problems);
        return problems.Count == 0 ? admin : throw new ArgumentException(string.Join("; ", problems));
    }

    /// <summary><c>GET <paramref name="pathAndQuery"/></c>; an answer that is not <see cref="AdminAnswer.Reached"/> when no agent answered.</summary>
    public static async Task<AdminAnswer> GetAsync(AdminListen listen, string pathAndQuery, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = Create(listen, timeout);
        try
        {
            using var response = await http.GetAsync(new Uri(pathAndQuery.TrimStart('/'), UriKind.Relative), cancellationToken);
            return new AdminAnswer(listen.ToString(), (int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new AdminAnswer(listen.ToString(), 0, ex.Message);
        }
    }

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
