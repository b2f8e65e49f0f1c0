using System.Diagnostics;
using PluginMesh.Plugins.Proxy.Iptables.Rules;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// Connects a client to one endpoint of a service port: asks the balancer, dials over the planned
/// path, and on failure asks the failover policy (next endpoint, retry, give up). Dial failures are
/// values here, not exceptions.
/// </summary>
public sealed class EndpointDialer(
    ProxyOptions options, RoutePlanner planner, IMeshTunnel? tunnel, IFailoverPolicy? failover, ISocketFactory sockets, TimeProvider time, ILogger logger,
    ClientSourceRouting? clientSource = null, ProxyMetrics? metrics = null, SocketLoop? loop = null)
{
    /// <summary>Dials an endpoint for <paramref name="client"/>; null when every option failed.</summary>
    public ValueTask<DialResult?> DialAsync(ServicePortEntry entry, IPAddress client, CancellationToken cancellationToken) =>
        DialAsync(entry, client, null, null, cancellationToken);

    /// <summary>Dials an endpoint for <paramref name="client"/>; null when every option failed.</summary>
    /// <param name="entry">The service port.</param>
    /// <param name="client">The client's address (affinity, hashing).</param>
    /// <param name="prefix">
    /// The intercepted client's first bytes, read while a tunnel stream is set up and delivered to
    /// whichever endpoint is reached (see <see cref="TunnelClient.OpenAsync"/>); null for callers that
    /// write only after the dial. Once some were sent, only an explicit refusal by the serving agent
    /// lets the dial move on: after a reset or a timeout an endpoint may have seen them.
    /// </param>
    /// <param name="failures">When given, receives one <c>endpoint (path): reason</c> line per failed attempt (none when no endpoint could be chosen).</param>
    /// <param name="cancellationToken">Stops the attempt.</param>
    public async ValueTask<DialResult?> DialAsync(ServicePortEntry entry, IPAddress client, ClientPrefix? prefix, ICollection<string>? failures, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(client);
        var started = time.GetTimestamp();
        var tried = new List<IPEndPoint>();
        // What the give-up line names: each failed attempt's endpoint, path and reason (made on the first failure).
        List<string>? attempts = null;
        var backend = entry.Balancer.Choose(client);
        // A policy answering "retry" forever must not hold a client for ever.
        var maxAttempts = Math.Max(3, entry.Balancer.Backends.Count * 2);
        for (var attempt = 1; backend is not null; attempt++)
        {
            var path = planner.Plan(backend);
            var from = KeepsSource(entry, client, backend, path) ? client : null;
            var (result, reason, noPath, final, detail) = await TryConnectAsync(backend, path, entry.Port.Protocol, prefix, from, cancellationToken).ConfigureAwait(false);
            if (result is not null)
            {
                backend.Health.RecordSuccess();
                if (from is not null && result.Socket is not null)
                {
                    clientSource!.CountKept();
                    metrics?.ClientSourceKept(entry.Name);
                }
                return result;
            }

            cancellationToken.ThrowIfCancellationRequested();
            // What to do next is the failover policy's call (a script, up to its time limit): not on the proxy's loop.
            if (loop?.OnLoopThread == true) await Task.Yield();
            entry.Counters.DialFailed(reason);
            var line = detail is null ? $"{backend.EndPoint} ({path.ToWire()}): {reason}" : $"{backend.EndPoint} ({path.ToWire()}): {reason} ({detail})";
            (attempts ??= []).Add(line);
            failures?.Add(line);
            logger.DialFailed(entry.Name, backend.EndPoint.ToString(), path.ToWire(), reason);
            if (backend.Health.RecordFailure(time.GetUtcNow().UtcTicks, options.EjectAfterFailures, options.EjectFor, noPath))
                logger.Ejected(backend.EndPoint.ToString());
            if (final) break;

            var remaining = entry.Balancer.Backends.Count(b => !b.EndPoint.Equals(backend.EndPoint) && !tried.Contains(b.EndPoint));
            var decision = Decide(new FailureInput("endpoint", backend.EndPoint.ToString(), reason, attempt,
                time.GetElapsedTime(started).TotalMilliseconds, remaining));
            if (decision.Action == FailoverAction.GiveUp || attempt >= maxAttempts) break;
            if (decision.DelayMs > 0)
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(decision.DelayMs, 60_000)), time, cancellationToken).ConfigureAwait(false);
            if (decision.Action == FailoverAction.Next)
            {
                tried.Add(backend.EndPoint);
                backend = entry.Balancer.Choose(client, tried);
            }
        }

        logger.GaveUp(entry.Name, attempts is null ? "no endpoint to choose" : string.Join("; ", attempts));
        return null;
    }

    // A node port or external IP with externalTrafficPolicy Local, to an endpoint on this node, for a
    // client outside it: the endpoint sees the client's address, as with kube-proxy (TCP, and UDP
    // sessions, whose connected socket gets the replies the same way; client and endpoint of one family).
    private bool KeepsSource(ServicePortEntry entry, IPAddress client, Backend backend, ProxyPath path) =>
        clientSource is not null && path == ProxyPath.Local && entry.External
        && entry.Service?.ExternalTraffic == ExternalTrafficPolicy.Local
        && client.AddressFamily == backend.EndPoint.AddressFamily && !IPAddress.IsLoopback(client) && !IPAddress.IsLoopback(backend.EndPoint.Address)
        && (client.AddressFamily == AddressFamily.InterNetwork ? clientSource.Ready : client.AddressFamily == AddressFamily.InterNetworkV6 && clientSource.Ipv6Ready);

    private FailoverDecision Decide(FailureInput input)
    {
        // Without a host policy: move on while something is left, then give up.
        if (failover is null) return new FailoverDecision(input.Alternatives > 0 ? FailoverAction.Next : FailoverAction.GiveUp, 0);
        return failover.OnFailure(input);
    }

    /// <summary>
    /// The connection (with <paramref name="prefix"/> delivered), or why not; <c>NoPath</c> when the tunnel
    /// knew no path to the node (<see cref="TunnelFailure.Unresolved"/>); <c>Final</c> when the prefix may
    /// have reached an endpoint, so it must not be sent to another; <c>Detail</c> says, for a tunnel
    /// dial, whether the way to the node or the node's agent failed, and its words (the reason alone is
    /// the same code either way: it is what the failover policy and the metric see).
    /// </summary>
    private async ValueTask<(DialResult? Result, string Reason, bool NoPath, bool Final, string? Detail)> TryConnectAsync(
        Backend backend, ProxyPath path, TransportProtocol protocol, ClientPrefix? prefix, IPAddress? from, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        if (path == ProxyPath.Tunnel && tunnel is not null && backend.NodeName is not null)
        {
            // A tunnel stream is the tunnel's work (path choice, handshakes, policies): not on the proxy's loop.
            if (loop?.OnLoopThread == true) await Task.Yield();
            try
            {
                var header = new TunnelHeader(protocol, backend.EndPoint);
                var (stream, status, failure, reason) = await TunnelClient.OpenAsync(tunnel, backend.NodeName, header, prefix, timeout.Token).ConfigureAwait(false);
                if (stream is not null) return (new DialResult(backend, path, null, stream), "", false, false, null);
                return failure is { } noPath
                    ? (null, ReasonOf(noPath), noPath == TunnelFailure.Unresolved, false, $"no tunnel to {backend.NodeName}: {reason}")
                    : (null, ReasonOf(status, reason), false, false, $"{backend.NodeName}'s agent: {reason}");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return (null, "timeout", false, Sent(prefix), $"no answer from {backend.NodeName}'s agent within {options.ConnectTimeout.TotalMilliseconds:F0} ms");
            }
            catch (IOException ex)
            {
                return (null, "reset", false, Sent(prefix), $"tunnel to {backend.NodeName}: {ex.Message}");
            }
        }

        var type = protocol == TransportProtocol.Udp ? SocketType.Dgram : SocketType.Stream;
        var proto = protocol == TransportProtocol.Udp ? ProtocolType.Udp : ProtocolType.Tcp;
        var socket = sockets.Create(backend.EndPoint.AddressFamily, type, proto);
        if (from is not null && !BindToClient(socket, from)) socket = sockets.Create(backend.EndPoint.AddressFamily, type, proto);
        var connected = false;
        try
        {
            if (protocol == TransportProtocol.Tcp) socket.NoDelay = true;
            // On the proxy's loop, a connect that succeeds goes on to the relay without a thread hand-off.
            if (loop is not null && protocol == TransportProtocol.Tcp) await loop.ConnectAsync(socket, backend.EndPoint, timeout.Token).ConfigureAwait(false);
            else await socket.ConnectAsync(backend.EndPoint, timeout.Token).ConfigureAwait(false);
            if (Sent(prefix))
            {
                // Bytes a refused tunnel attempt took from the client go first.
                connected = true;
                await socket.SendAsync(prefix!.Bytes, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            }
            return (new DialResult(backend, path, socket, null), "", false, false, null);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            return (null, ReasonOf(ex.SocketErrorCode), false, connected, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            return (null, "timeout", false, connected, null);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // The connection leaves from the client's address (IP_TRANSPARENT), its packets marked so that
    // ClientSourceRouting steers the endpoint's replies back here. False (the socket disposed, and the
    // client's address not kept from here on) when the kernel refuses: no CAP_NET_ADMIN.
    private bool BindToClient(Socket socket, IPAddress client)
    {
        try
        {
            if (client.AddressFamily == AddressFamily.InterNetworkV6) socket.SetRawSocketOption(SolIpv6, Ipv6Transparent, BitConverter.GetBytes(1));
            else socket.SetRawSocketOption(SolIp, IpTransparent, BitConverter.GetBytes(1));
            socket.SetRawSocketOption(SolSocket, SoMark, BitConverter.GetBytes(clientSource!.OriginalMark));
            socket.Bind(new IPEndPoint(client, 0));
            return true;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            var why = $"connecting from a client's address ({client.AddressFamily}) was refused ({ex.SocketErrorCode}: {ex.Message})";
            clientSource!.Disable(why, client.AddressFamily == AddressFamily.InterNetworkV6);
            logger.ClientSourceFailed(why);
            return false;
        }
    }

    private const int SolIp = 0;           // SOL_IP
    private const int IpTransparent = 19;  // IP_TRANSPARENT (linux/in.h)
    private const int SolIpv6 = 41;        // SOL_IPV6
    private const int Ipv6Transparent = 75; // IPV6_TRANSPARENT (linux/in6.h)
    private const int SolSocket = 1;       // SOL_SOCKET
    private const int SoMark = 36;         // SO_MARK (asm-generic/socket.h)

    private static bool Sent(ClientPrefix? prefix) => prefix is { Bytes.Length: > 0 };

    private static string ReasonOf(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "refused",
        SocketError.TimedOut => "timeout",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown => "unreachable",
        SocketError.ConnectionReset => "reset",
        _ => "other",
    };

    private static string ReasonOf(TunnelFailure failure) => failure switch
    {
        TunnelFailure.Refused => "refused",
        TunnelFailure.Timeout => "timeout",
        TunnelFailure.Reset => "reset",
        TunnelFailure.Handshake => "handshake",
        TunnelFailure.RelayRefused => "relay-refused",
        TunnelFailure.LimitExceeded => "limit",
        TunnelFailure.Unresolved => "unreachable",
        _ => "other",
    };

    private static string ReasonOf(TunnelStatus status, string reason)
    {
        Debug.Assert(status != TunnelStatus.Ok, reason);
        return status switch
        {
            TunnelStatus.Refused => "refused",
            TunnelStatus.Timeout => "timeout",
            TunnelStatus.Unreachable => "unreachable",
            _ => "other",
        };
    }
}
