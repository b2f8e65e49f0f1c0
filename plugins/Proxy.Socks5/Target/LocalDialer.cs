using System.Net.NetworkInformation;

namespace PluginMesh.Plugins.Proxy.Socks5.Target;

/// <summary>
/// Dials a port on this node for a SOCKS client, its own or another agent's: only ports on the
/// allow-list, and only this host's own addresses (loopback, or an address of one of its interfaces),
/// never another host — the proxy is no relay into the cluster. The node itself (no address given)
/// is its loopback first, then the catalog's addresses of this node that are its own.
/// </summary>
/// <remarks>Thread-safe. Outcomes are values: refusals, refused and timed-out dials are answered, not thrown.</remarks>
internal sealed class LocalDialer(Socks5Options options, string nodeName, IServiceCatalog? catalog)
{
    /// <summary>The connected socket, or why there is none (status, reason text starting with its code, the code for metrics).</summary>
    public async ValueTask<(Socket? Socket, TargetStatus Status, string Reason, string Code)> DialAsync(TargetRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!options.AllowedPorts.Contains(request.Port))
            return Refuse("port_not_allowed", $"port {request.Port} is not on {nodeName}'s allow-list ({string.Join(", ", options.AllowedPorts)})");
        var own = OwnAddresses();
        IPAddress[] candidates;
        if (request.Address is { } asked)
        {
            var address = asked.IsIPv4MappedToIPv6 ? asked.MapToIPv4() : asked;
            if (!IPAddress.IsLoopback(address) && !own.Contains(address))
                return Refuse("not_own_address", $"{address} is not an address of {nodeName}");
            candidates = [address];
        }
        else
        {
            var listed = catalog?.Current.Nodes.GetValueOrDefault(nodeName)?.Addresses ?? [];
            candidates = [IPAddress.Loopback, .. listed.Where(own.Contains)];
        }

        (Socket?, TargetStatus, string, string) last = default;
        foreach (var address in candidates)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.ConnectTimeout);
                await socket.ConnectAsync(address, request.Port, timeout.Token).ConfigureAwait(false);
                socket.NoDelay = true;
                return (socket, TargetStatus.Ok, "", "ok");
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                var target = new IPEndPoint(address, request.Port);
                last = e is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
                    ? (null, TargetStatus.Refused, $"refused: {target} on {nodeName} refused the connection", "refused")
                    : e is OperationCanceledException or SocketException { SocketErrorCode: SocketError.TimedOut }
                        ? (null, TargetStatus.Timeout, $"timeout: {target} on {nodeName} did not answer within {options.ConnectTimeout.TotalSeconds:0} s", "timeout")
                        : (null, TargetStatus.Unreachable, $"unreachable: {target} on {nodeName}: {e.Message}", "unreachable");
            }
        }
        return last;
    }

    private static (Socket?, TargetStatus, string, string) Refuse(string code, string why) => (null, TargetStatus.NotAllowed, code + ": " + why, code);

    private static HashSet<IPAddress> OwnAddresses()
    {
        var set = new HashSet<IPAddress>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses) set.Add(unicast.Address);
            }
        }
        catch (NetworkInformationException)
        {
            // No interface list: loopback only.
        }
        return set;
    }
}
