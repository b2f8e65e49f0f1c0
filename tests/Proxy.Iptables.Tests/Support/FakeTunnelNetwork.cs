using System.Collections.Concurrent;
using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>
/// In-process stand-in for the libp2p tunnel (being built elsewhere): agents by node name, streams
/// as loopback TCP pairs, handlers invoked like the host would (stream disposed after the handler).
/// </summary>
public sealed class FakeTunnelNetwork
{
    private readonly ConcurrentDictionary<(string Node, string Protocol), MeshStreamHandler> _handlers = new();

    public int Opened;

    /// <summary>Streams whose serving handler has not returned yet.</summary>
    public int Serving => Volatile.Read(ref _serving);

    private int _serving;

    /// <summary>Nodes the tunnel knows no path to yet (the real tunnel's "no connection or address"): opening fails Unresolved.</summary>
    public ConcurrentDictionary<string, bool> NoPath { get; } = new();

    public IMeshTunnel For(string node) => new Agent(this, node);

    /// <summary>A stable PeerId per node name (the identity multihash of a key derived from the name; tests only).</summary>
    public static PluginMesh.P2p.PeerId PeerOf(string node) => PluginMesh.P2p.PeerId.FromPublicKey(
        PluginMesh.P2p.Crypto.KeyProtobuf.Encode(PluginMesh.P2p.Crypto.KeyType.Ed25519, System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(node))));

    private sealed class Agent(FakeTunnelNetwork net, string node) : IMeshTunnel
    {
        public PluginMesh.P2p.PeerId LocalPeerId => PeerOf(node);

        public async ValueTask<OpenStreamResult> OpenStreamAsync(PeerTarget target, string protocol, CancellationToken cancellationToken)
        {
            if (target.NodeName is not { } remote) return OpenStreamResult.Failed(TunnelFailure.Unresolved, "no node name");
            if (net.NoPath.ContainsKey(remote)) return OpenStreamResult.Failed(TunnelFailure.Unresolved, $"no connection or address for {remote}");
            if (!net._handlers.TryGetValue((remote, protocol), out var handler))
                return OpenStreamResult.Failed(TunnelFailure.ProtocolNotSupported, $"{remote} does not serve {protocol}");
            Interlocked.Increment(ref net.Opened);
            var (a, b) = await SocketMeshStream.PairAsync(node, remote);
            Interlocked.Increment(ref net._serving);
            _ = Task.Run(async () =>
            {
                try
                {
                    await handler(b, CancellationToken.None);
                }
                finally
                {
                    await b.DisposeAsync();
                    Interlocked.Decrement(ref net._serving);
                }
            }, CancellationToken.None);
            return OpenStreamResult.Opened(a);
        }

        public IDisposable RegisterHandler(string protocol, MeshStreamHandler handler)
        {
            net._handlers[(node, protocol)] = handler;
            return new Registration(() => net._handlers.TryRemove((node, protocol), out _));
        }
    }

    private sealed class Registration(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
