using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Status;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Admin;
using PluginMesh.Plugins.Tunnel.Libp2p.Cli;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Transport;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

/// <summary>
/// Entry type of <c>tunnel.libp2p</c>: the libp2p stack (TCP, pnet, multistream-select, Noise,
/// Yamux, Identify, Ping) behind <see cref="IMeshTunnel"/> and <see cref="ITransport"/>.
/// </summary>
public sealed class TunnelLibp2pPlugin : IPluginMeshPlugin, IPluginCommandProvider, IStatusContributor
{
    public const string PluginId = "tunnel.libp2p";
    private Libp2pNodeService? _node;

    public PluginDescriptor Descriptor { get; } = new(
        PluginId,
        typeof(TunnelLibp2pPlugin).Assembly.GetName().Version ?? new Version(0, 0),
        AbstractionsApi.Version,
        Provides: [Capabilities.Tunnel, Capabilities.Transport],
        Requires: [],
        Uses: [Capabilities.Cache],
        "libp2p tunnel: TCP, pnet, Noise, Yamux, Identify, Ping; interoperates with js-libp2p");

    public IReadOnlyList<PluginCommand> Commands => P2pCommands.All;

    public string Section => "libp2p";

    /// <summary>Checks <c>listen[i]</c> with <c>Multiaddr.TryParse</c> and the numeric limits; no I/O.</summary>
    public void Validate(PluginValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Libp2pOptions.Read(context.Section, dataDirectory: "/", context.Error);
    }

    public void ConfigureServices(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);
        var problems = new List<ConfigProblem>();
        var prefix = "plugins." + PluginId;
        var options = Libp2pOptions.Read(context.Configuration, context.Node.DataDirectory,
            (key, message) => problems.Add(new ConfigProblem(ConfigPath.Join(prefix, key), message)));
        if (problems.Count > 0) throw new ConfigValidationException(problems);

        services.AddSingleton(sp =>
        {
            var node = new Libp2pNodeService(options, sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance, context.Meter, sp, sp.GetService<TimeProvider>(), context.ActivitySource);
            Volatile.Write(ref _node, node);
            return node;
        });
        services.AddHostedService(sp => sp.GetRequiredService<Libp2pNodeService>());
        // The node service owns these; DI hands out the very same instances.
        services.AddSingleton<ILocalPeer>(sp => sp.GetRequiredService<Libp2pNodeService>().LocalPeer);
        services.AddSingleton<IPeerNetwork>(sp => sp.GetRequiredService<Libp2pNodeService>().Network);
        services.AddSingleton<IMeshTunnel>(sp => new MeshTunnel(sp.GetRequiredService<Libp2pNodeService>(), sp, context.ActivitySource));
        services.AddSingleton<ITransport, TcpMeshTransport>();
        services.AddSingleton<IStatusContributor>(this);
        // What the agent's admin surface knows of the tunnel: the peers section and /ping.
        services.AddSingleton<IStatusContributor>(sp => new PeersStatus(sp.GetRequiredService<IPeerNetwork>(), sp));
        services.AddSingleton<IAdminRoute>(sp => new PingRoute(sp.GetRequiredService<IMeshTunnel>(), sp.GetRequiredService<IPeerNetwork>(), sp));
    }

    /// <summary>PeerId, listen addresses and connected peers; empty before start.</summary>
    public object GetStatus()
    {
        var node = Volatile.Read(ref _node);
        var host = node?.Host;
        if (host is null) return new Dictionary<string, object?> { ["running"] = false };
        return new Dictionary<string, object?>
        {
            ["running"] = true,
            ["peerId"] = host.PeerId.ToString(),
            ["listen"] = host.AdvertisedAddresses.Select(a => a.ToString()).ToArray(),
            ["reachability"] = node!.Network.Reachability.ToString().ToLowerInvariant(),
            ["holePunch"] = node.HolePunch is { } punch ? new Dictionary<string, object?> { ["attempts"] = punch.Attempts, ["successes"] = punch.Successes, ["failures"] = punch.Failures } : null,
            ["autonat"] = node.AutoNat is { } autoNat ? new Dictionary<string, object?> { ["lastRound"] = autoNat.LastRound, ["answers"] = autoNat.LastAnswers } : null,
            ["connections"] = host.Connections.Select(c => new Dictionary<string, object?>
            {
                ["peerId"] = c.RemotePeerId.ToString(),
                ["address"] = c.RemoteAddress.ToString(),
                ["direction"] = c.IsInitiator ? "out" : "in",
                ["path"] = c.Path.ToText(),
                ["rttMs"] = c.LastRtt?.TotalMilliseconds,
                ["streams"] = c.Session.StreamCount,
                ["rejectedStreams"] = c.Session.RejectedStreams,
                ["bufferedBytes"] = c.Session.ReceiveBudget.Buffered,
                ["draining"] = c.ReplacedBy is not null || c.Session.IsDraining,
                ["agent"] = c.RemoteIdentify?.AgentVersion,
            }).ToArray(),
            ["discovered"] = (node.Discovery?.Peers ?? []).Select(p => new Dictionary<string, object?>
            {
                ["peerId"] = p.PeerId.ToString(),
                ["source"] = p.Source,
                ["lastSeen"] = p.LastSeen,
                ["state"] = p.State,
                ["error"] = p.Error,
                ["droppedAddresses"] = p.Dropped.Select(d => new Dictionary<string, object?> { ["address"] = d.Address, ["reason"] = d.Reason }).ToArray(),
            }).ToArray(),
        };
    }
}
