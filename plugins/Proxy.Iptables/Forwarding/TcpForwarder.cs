namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>Handles one accepted TCP connection: dial an endpoint, splice, count.</summary>
/// <param name="dialer">Picks and dials the endpoint.</param>
/// <param name="logger">Logger.</param>
/// <param name="zeroCopy">Let bulk transfers between two sockets use <c>splice(2)</c> (see <see cref="Splicer"/>).</param>
/// <param name="loop">When given, connections to an endpoint on this node are relayed on it (<see cref="SocketLoop"/>); tunnel streams always go through <see cref="Splicer"/>.</param>
public sealed class TcpForwarder(EndpointDialer dialer, ILogger logger, bool zeroCopy = true, SocketLoop? loop = null)
{
    /// <summary>The proxy's event loop, when connections are relayed on one (its listeners accept there too).</summary>
    public SocketLoop? Loop => loop;

    /// <summary>Serves <paramref name="client"/> for <paramref name="entry"/>; never throws.</summary>
    /// <param name="client">The accepted socket; owned from here on.</param>
    /// <param name="entry">The service port it was for.</param>
    /// <param name="cancellationToken">Agent stop.</param>
    /// <param name="fromPreparedListener">
    /// Accepted from a listener set up by <see cref="SocketConnection.PrepareListener"/>: it is
    /// abortive and without Nagle already.
    /// </param>
    public async Task HandleAsync(Socket client, ServicePortEntry entry, CancellationToken cancellationToken, bool fromPreparedListener = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(entry);
        // A script picks this service's endpoints (a policy call, up to its time limit): not on the proxy's loop.
        if (loop?.OnLoopThread == true && entry.Balancer.Policy is ScriptPolicy) await Task.Yield();
        var clientConnection = new SocketConnection(client, abortiveAlready: fromPreparedListener);
        using var prefix = new ClientPrefix(client);
        try
        {
            if (!fromPreparedListener) client.NoDelay = true;
            var clientIp = client.RemoteEndPoint is IPEndPoint ep ? Unmap(ep.Address) : IPAddress.None;
            var dial = await dialer.DialAsync(entry, clientIp, prefix, null, cancellationToken).ConfigureAwait(false);
            if (dial is null)
            {
                clientConnection.Abort();
                return;
            }

            IDuplexConnection upstream = dial.ToConnection();
            dial.Backend.Health.Acquire();
            entry.Counters.Connected(dial.Path);
            // What the client sent during the dial went with it.
            if (prefix.Bytes.Length > 0) entry.Counters.Add(inbound: true, prefix.Bytes.Length);
            try
            {
                if (loop is not null && upstream is SocketConnection socketUpstream)
                    await RelayOnLoopAsync(loop, clientConnection, socketUpstream, entry.Counters, cancellationToken).ConfigureAwait(false);
                else
                    await Splicer.SpliceAsync(clientConnection, upstream, entry.Counters, cancellationToken, zeroCopy).ConfigureAwait(false);
            }
            finally
            {
                dial.Backend.Health.Release();
                entry.Counters.Metrics.Closed();
                await upstream.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            clientConnection.Abort();
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
        {
            clientConnection.Abort();
        }
#pragma warning disable CA1031 // A bug in one connection must not take down the accept loop; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.HandlerFailed(ex);
            clientConnection.Abort();
        }
        finally
        {
            await clientConnection.DisposeAsync().ConfigureAwait(false);
        }
    }

    // The same ending as Splicer's: a clean end in both directions closes normally, anything else resets both.
    private async Task RelayOnLoopAsync(SocketLoop socketLoop, SocketConnection client, SocketConnection upstream, IByteCounter counters, CancellationToken cancellationToken)
    {
        if (await socketLoop.RelayAsync(client.Socket, upstream.Socket, counters, zeroCopy, cancellationToken).ConfigureAwait(false))
        {
            client.EndedCleanly();
            upstream.EndedCleanly();
            return;
        }
        client.Abort();
        upstream.Abort();
    }

    /// <summary>IPv4-mapped IPv6 addresses back to IPv4, so affinity and hashing see one client as one key.</summary>
    public static IPAddress Unmap(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
