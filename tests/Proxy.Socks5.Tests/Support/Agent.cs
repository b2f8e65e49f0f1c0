using Microsoft.Extensions.DependencyInjection;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

namespace PluginMesh.Plugins.Proxy.Socks5.Tests.Support;

/// <summary>
/// One agent of a test mesh: the real <c>tunnel.libp2p</c> plugin on loopback and the real
/// <c>proxy.socks5</c> plugin on top of it, each started the way the host starts plugins, named
/// <see cref="Name"/>, sharing the test's directory and catalog.
/// </summary>
internal sealed class Agent : IAsyncDisposable
{
    private readonly PluginServices _tunnel;
    private readonly PluginServices _socks;

    private Agent(string name, PluginServices tunnel, PluginServices socks)
    {
        Name = name;
        _tunnel = tunnel;
        _socks = socks;
    }

    public string Name { get; }

    public IMeshTunnel Tunnel => _tunnel.Get<IMeshTunnel>();

    public Socks5Service Socks => _socks.Get<Socks5Service>();

    public Socks5Status Status => (Socks5Status)Socks.GetStatus();

    /// <summary>The SOCKS5 listener.</summary>
    public IPEndPoint Proxy => Socks.Bound.Single();

    public static async Task<Agent> StartAsync(string dir, string name, TestDirectory directory, IServiceCatalog catalog, params (string Key, string? Value)[] socks)
    {
        var data = Directory.CreateDirectory(Path.Combine(dir, name)).FullName;
        var node = new NodeSettings(name, data, Path.Combine(data, "policies"));
        var tunnel = await PluginServices.StartAsync(new TunnelLibp2pPlugin(), node, services =>
        {
            services.AddSingleton<INodeDirectory>(directory);
            services.AddSingleton(catalog);
        }, ("listen:0", "/ip4/127.0.0.1/tcp/0"), ("autonat:enabled", "false"));
        try
        {
            var local = tunnel.Get<ILocalPeer>();
            directory.Add(name, local.PeerId, local.Addresses);
            var section = socks.Any(s => s.Key.StartsWith("listen", StringComparison.OrdinalIgnoreCase)) ? socks : [("listen", "127.0.0.1:0"), .. socks];
            var proxy = await PluginServices.StartAsync(new ProxySocks5Plugin(), node, services =>
            {
                services.AddSingleton(tunnel.Get<IMeshTunnel>());
                services.AddSingleton(tunnel.Get<IPeerNetwork>());
                services.AddSingleton<INodeDirectory>(directory);
                services.AddSingleton(catalog);
            }, section);
            var agent = new Agent(name, tunnel, proxy);
            if (!section.Any(s => s.Key == "listen" && s.Value == "")) await Eventually.TrueAsync(() => agent.Socks.Bound.Count > 0, $"{name}'s SOCKS listener bound");
            return agent;
        }
        catch
        {
            await tunnel.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _socks.DisposeAsync();
        await _tunnel.DisposeAsync();
    }
}
