using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.P2p;

namespace PluginMesh.Host.Admin;

/// <summary>
/// <c>GET /ping?target=…&amp;count=N</c>: reaches a node name, PeerId or multiaddr the way traffic
/// would (the tunnel's path choice), then measures round trips with libp2p ping. Answers the path
/// kind, the remote address (which shows the relay when relayed) and the RTTs.
/// </summary>
internal static class PingEndpoint
{
    private const string PingProtocol = "/ipfs/ping/1.0.0";

    public static async Task<IResult> HandleAsync(string? target, int? count, IServiceProvider services, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(target)) return Results.BadRequest(new { error = "target is required (node name, PeerId or multiaddr)" });
        var tunnel = services.GetService<IMeshTunnel>();
        var network = services.GetService<IPeerNetwork>();
        if (tunnel is null || network is null) return Results.Json(new { error = "no tunnel plugin is running" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        var n = Math.Clamp(count ?? 3, 1, 100);
        PeerTarget peerTarget;
        if (target.StartsWith('/'))
        {
            // Unparsable, it cannot be reached: the same answer the tunnel gives an unresolvable target.
            if (!Multiaddr.TryParse(target, out var address, out var reason))
                return Results.Json(new { target, ok = false, failure = nameof(TunnelFailure.Unresolved), error = reason }, statusCode: StatusCodes.Status502BadGateway);
            peerTarget = new PeerTarget(Addresses: [address!]);
        }
        else
        {
            peerTarget = PeerId.TryParse(target, out var peer) ? new PeerTarget(PeerId: peer) : new PeerTarget(NodeName: target);
        }

        var setup = Stopwatch.StartNew();
        RemotePeer remote;
        try
        {
            // Opening a ping stream makes the tunnel choose (and if needed establish) the path.
            await using var stream = await tunnel.OpenStreamAsync(peerTarget, PingProtocol, ct);
            remote = stream.Remote;
        }
        catch (TunnelException ex)
        {
            return Results.Json(new { target, ok = false, failure = ex.Failure.ToString(), error = ex.Message }, statusCode: StatusCodes.Status502BadGateway);
        }
        var connectMs = setup.Elapsed.TotalMilliseconds;

        var rtts = new List<double>();
        string? error = null;
        for (var i = 0; i < n && !ct.IsCancellationRequested; i++)
        {
            try
            {
                rtts.Add(Math.Round((await network.PingAsync(remote.PeerId, ct)).TotalMilliseconds, 3));
            }
            catch (TunnelException ex)
            {
                error = ex.Message;
                break;
            }
        }
        var node = remote.NodeName ?? services.GetService<INodeDirectory>()?.ResolvePeer(remote.PeerId)?.NodeName;
        return Results.Json(new
        {
            target,
            ok = rtts.Count > 0,
            node,
            peerId = remote.PeerId.ToString(),
            path = remote.Path.ToText(),
            via = remote.Path == PathKind.Relayed ? remote.RemoteAddress.RelayPeerId?.ToString() : null,
            address = remote.RemoteAddress.ToString(),
            connectMs = Math.Round(connectMs, 2),
            rttMs = rtts,
            error,
        }, AdminEndpoints.Json);
    }

}
