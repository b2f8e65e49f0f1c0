using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli;

/// <summary>
/// The node behind one diagnostic command: the agent's own <see cref="Libp2pNodeService"/> and
/// <see cref="MeshTunnel"/> (so paths are chosen exactly as the agent chooses them), plus the relay
/// plugin's standalone relay when the command offers a hop service, reserves, or dials circuits.
/// </summary>
internal sealed class CommandNode : IAsyncDisposable
{
    private readonly IStandaloneRelay? _relay;

    private CommandNode(Libp2pNodeService node, MeshTunnel tunnel, IStandaloneRelay? relay)
    {
        Node = node;
        Tunnel = tunnel;
        _relay = relay;
    }

    public Libp2pNodeService Node { get; }

    public MeshTunnel Tunnel { get; }

    public Libp2pHost Host => Node.Host ?? throw new InvalidOperationException("[tunnel.libp2p] the command's node is not running");

    /// <summary>Builds and starts the node, then the relay (which dials the relays to reserve on).</summary>
    /// <param name="identity">Throwaway key for dialing commands; null: the key file of <paramref name="options"/>.</param>
    /// <param name="relay">Relay provider and settings; null: TCP only.</param>
    /// <param name="loggers">Where the node's logs go (the command's stderr).</param>
    /// <param name="failover">Decides path fallbacks and hole-punch retries; null: the built-in order.</param>
    public static async Task<CommandNode> StartAsync(Libp2pOptions options, PrivateKey? identity, (IStandaloneRelayProvider Provider, StandaloneRelaySettings Settings)? relay, IFailoverPolicy? failover, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var services = new CommandServices(failover);
        var node = new Libp2pNodeService(options, loggers, services: services, identity: identity);
        var tunnel = new MeshTunnel(node, services);
        IStandaloneRelay? standalone = null;
        try
        {
            if (relay is { } r)
            {
                standalone = r.Provider.Create(r.Settings, tunnel, node.LocalPeer, node.Network, loggers);
                services.Circuits = standalone.Transport;
            }
            await node.StartAsync(cancellationToken).ConfigureAwait(false);
            if (standalone is not null) await standalone.StartAsync(cancellationToken).ConfigureAwait(false);
            return new CommandNode(node, tunnel, standalone);
        }
        catch
        {
            if (standalone is not null) await standalone.DisposeAsync().ConfigureAwait(false);
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_relay is not null) await _relay.DisposeAsync().ConfigureAwait(false);
        await Node.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>What the node service and tunnel look up: the circuit transport and the failover policy; no discovery or directory.</summary>
    private sealed class CommandServices(IFailoverPolicy? failover) : IServiceProvider
    {
        public ITransport? Circuits { get; set; }

        public object? GetService(Type serviceType)
        {
            if (serviceType == typeof(IEnumerable<ITransport>)) return Circuits is null ? Array.Empty<ITransport>() : new[] { Circuits };
            if (serviceType == typeof(IEnumerable<IPeerDiscovery>)) return Array.Empty<IPeerDiscovery>();
            if (serviceType == typeof(IFailoverPolicy)) return failover;
            return null;
        }
    }
}
