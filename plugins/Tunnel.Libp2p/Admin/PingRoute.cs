using System.Globalization;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Admin;

/// <summary>
/// <c>GET /ping?target=…&amp;count=N</c> on the agent's admin endpoint (what <c>pluginmesh ping</c> asks):
/// reaches a peer the agent already knows — a node name or PeerId of the node directory, or a peer it
/// is connected to — the way traffic would (path choice), then measures N round trips (1–100, default 3)
/// with libp2p ping. Answers the path kind, the remote address (which shows the relay when relayed)
/// and the RTTs. A multiaddr target is refused (400): the agent dials no address a local caller
/// names; <c>pluginmesh p2p ping &lt;multiaddr&gt;</c> dials it from a throwaway identity instead.
/// </summary>
/// <remarks>Thread-safe: each request opens its own stream.</remarks>
internal sealed class PingRoute(IMeshTunnel tunnel, IPeerNetwork network, IServiceProvider services) : IAdminRoute
{
    private const string PingProtocol = "/ipfs/ping/1.0.0";

    public string Path => "/ping";

    public async ValueTask<AdminRouteResult> GetAsync(IReadOnlyDictionary<string, string> query, CancellationToken cancellationToken)
    {
        var target = query.GetValueOrDefault("target");
        if (string.IsNullOrWhiteSpace(target)) return new(400, new { error = "target is required (node name or PeerId)" });
        if (target.StartsWith('/'))
        {
            return new(400, new
            {
                target,
                ok = false,
                error = $"the agent pings only peers it knows (a node name, a PeerId of the node directory, a connected peer), never a multiaddr; 'pluginmesh p2p ping {target}' dials it from a throwaway identity",
            });
        }
        var n = 3;
        if (query.TryGetValue("count", out var countText) && !int.TryParse(countText, NumberStyles.Integer, CultureInfo.InvariantCulture, out n))
            return new(400, new { error = $"count '{countText}' is not a whole number" });
        n = Math.Clamp(n, 1, 100);
        var peerTarget = PeerId.TryParse(target, out var peer) ? new PeerTarget(PeerId: peer) : new PeerTarget(NodeName: target);

        var setup = Stopwatch.StartNew();
        // Opening a ping stream makes the tunnel choose (and if needed establish) the path: with a
        // PeerId or a node name and no address, only the directory's addresses or a live connection.
        var opened = await tunnel.OpenStreamAsync(peerTarget, PingProtocol, cancellationToken).ConfigureAwait(false);
        if (!opened.Ok) return new(502, new { target, ok = false, failure = opened.Failure.ToString(), error = opened.Error });
        var remote = opened.Stream.Remote;
        await opened.Stream.DisposeAsync().ConfigureAwait(false);
        var connectMs = setup.Elapsed.TotalMilliseconds;

        var rtts = new List<double>();
        string? error = null;
        for (var i = 0; i < n && !cancellationToken.IsCancellationRequested; i++)
        {
            try
            {
                rtts.Add(Math.Round((await network.PingAsync(remote.PeerId, cancellationToken).ConfigureAwait(false)).TotalMilliseconds, 3));
            }
            catch (TunnelException ex)
            {
                error = ex.Message;
                break;
            }
        }
        var directory = services.GetService<INodeDirectory>();
        var node = remote.NodeName ?? directory?.ResolvePeer(remote.PeerId)?.NodeName;
        var relay = remote.Path == PathKind.Relayed ? remote.RemoteAddress.RelayPeerId : null;
        return new(200, new
        {
            target,
            ok = rtts.Count > 0,
            node,
            peerId = remote.PeerId.ToString(),
            path = remote.Path.ToText(),
            via = relay?.ToString(),
            viaNode = relay is { } r ? directory?.ResolvePeer(r)?.NodeName : null,
            address = remote.RemoteAddress.ToString(),
            connectMs = Math.Round(connectMs, 2),
            rttMs = rtts,
            error,
        });
    }
}
