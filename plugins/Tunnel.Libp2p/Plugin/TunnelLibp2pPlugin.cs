using PluginMesh.Plugins.Tunnel.Libp2p.Admin;
using PluginMesh.Plugins.Tunnel.Libp2p.Cli;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

/// <summary>
/// Entry type of <c>tunnel.libp2p</c>: the libp2p stack (TCP, pnet, multistream-select, Noise,
/// Yamux, Identify, Ping) behind <see cref="IMeshTunnel"/> and <see cref="ITransport"/>.
/// </summary>
public sealed class TunnelLibp2pPlugin() : PluginMeshPlugin<Libp2pOptions>(
    PluginId,
    "libp2p tunnel: TCP, pnet, Noise, Yamux, Identify, Ping; interoperates with js-libp2p",
    provides: [Capabilities.Tunnel, Capabilities.Transport],
    requires: [],
    uses: [Capabilities.Cache]), IPluginCommandProvider, IStatusContributor
{
    public const string PluginId = "tunnel.libp2p";
    private Libp2pNodeService? _node;

    public IReadOnlyList<PluginCommand> Commands => P2pCommands.All;

    public string Section => "libp2p";

    /// <summary>Checks <c>listen[i]</c> with <c>Multiaddr.TryParse</c> and the numeric limits; no I/O (validation reads with "/" for the data directory).</summary>
    protected override Libp2pOptions ReadOptions(IConfiguration section, string? dataDirectory, Action<string, string> error) =>
        Libp2pOptions.Read(section, dataDirectory ?? "/", error);

    protected override void AddServices(IServiceCollection services, PluginContext context, Libp2pOptions options)
    {
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
            // Said out loud: without a PSK anyone who completes a Noise handshake is connected.
            ["openMesh"] = !node.Network.PrivateNetwork,
            ["receiveBudget"] = new Dictionary<string, object?>
            {
                ["capBytes"] = node.ReceiveBudget.Cap,
                ["source"] = node.ReceiveBudgetSource,
                ["committedBytes"] = node.ReceiveBudget.Committed,
                ["bufferedBytes"] = node.ReceiveBudget.Buffered,
                ["peakBufferedBytes"] = node.ReceiveBudget.PeakBuffered,
                ["refusedStreams"] = node.ReceiveBudget.RefusedStreams,
            },
            ["holePunch"] = node.HolePunch is { } punch ? new Dictionary<string, object?> { ["attempts"] = punch.Attempts, ["successes"] = punch.Successes, ["failures"] = punch.Failures } : null,
            ["silentClosed"] = host.SilentClosed,
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
