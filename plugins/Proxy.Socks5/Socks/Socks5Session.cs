using System.IO.Pipelines;

namespace PluginMesh.Plugins.Proxy.Socks5.Socks;

/// <summary>
/// One SOCKS5 client connection: method choice and RFC 1929 authentication, the CONNECT request,
/// a stream to the target node's agent through the tunnel (or this node's own dialer), the reply,
/// then the relay. Every refusal is answered with its reply code and counted; garbage, a truncated
/// handshake or a silent client ends in a closed connection, never an exception out of here.
/// </summary>
internal sealed class Socks5Session(
    Socks5Options options,
    CredentialsFile? credentials,
    TargetResolver resolver,
    LocalDialer localDialer,
    IMeshTunnel? tunnel,
    Socks5Metrics metrics,
    ILogger logger)
{
    /// <summary>Serves <paramref name="client"/> until it or the target closes; never throws.</summary>
    public async Task RunAsync(Socket client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.NoDelay = true;
        var peer = client.RemoteEndPoint?.ToString() ?? "?";
        var end = RelayEnd.Of(client);
        var clean = false;
        metrics.Opened();
        try
        {
            RelayEnd? upstream;
            try
            {
                upstream = await HandshakeAsync(end, peer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
            {
                // Silent past connectTimeout, or gone mid-handshake: no answer can reach it.
                Ended(peer, "?", "bad_handshake", e is OperationCanceledException ? $"no complete handshake within {options.ConnectTimeout.TotalSeconds:0} s" : e.Message);
                throw;
            }
            // Null: answered and ended on purpose (a refusal, bad credentials, garbage); close gracefully so the answer arrives.
            if (upstream is null)
            {
                clean = true;
                return;
            }
            await using (upstream.ConfigureAwait(false))
                clean = await Relay.RunAsync(end, upstream, metrics.Moved, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // A client that vanished or stalled mid-handshake (counted above), or the agent stopping.
        }
#pragma warning disable CA1031 // A bug in one connection must not end the accept loop; it is logged.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Socks5Log.SessionFailed(logger, e);
        }
        finally
        {
            metrics.Closed();
            if (!clean) end.Abort();
            await end.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<RelayEnd?> HandshakeAsync(RelayEnd client, string peer, CancellationToken stop)
    {
        // The client has connectTimeout for its part; opening the target gets its own bound below.
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(stop);
        handshake.CancelAfter(options.ConnectTimeout);
        var cancellationToken = handshake.Token;
        var reader = client.Reader;
        var (greeting, methods, error) = await ReadAsync<(bool None, bool UsernamePassword)>(reader, Socks5Parser.Greeting, cancellationToken).ConfigureAwait(false);
        if (greeting != ParseResult.Done) return Ended(peer, "?", "bad_handshake", error);

        var method = options.AuthRequired
            ? methods.UsernamePassword ? Socks5Parser.UsernamePassword : Socks5Parser.NoAcceptableMethod
            : methods.None ? Socks5Parser.NoAuthentication : Socks5Parser.NoAcceptableMethod;
        // Counted before the answer goes out, so whoever reads the answer finds it counted.
        if (method == Socks5Parser.NoAcceptableMethod)
            Ended(peer, "?", "no_acceptable_method", options.AuthRequired ? "username/password is required and was not offered" : "no authentication was not offered");
        await client.WriteAsync(Socks5Parser.MethodReply(method), cancellationToken).ConfigureAwait(false);
        if (method == Socks5Parser.NoAcceptableMethod) return null;

        if (method == Socks5Parser.UsernamePassword)
        {
            var (parsed, pair, authError) = await ReadAsync<(byte[] User, byte[] Password)>(reader, Socks5Parser.Credentials, cancellationToken).ConfigureAwait(false);
            if (parsed != ParseResult.Done) return Ended(peer, "?", "bad_handshake", authError);
            var ok = credentials!.Check(pair.User, pair.Password);
            if (!ok) Ended(peer, "?", "auth_failed", "wrong username or password");
            await client.WriteAsync(Socks5Parser.AuthReply(ok), cancellationToken).ConfigureAwait(false);
            if (!ok) return null;
        }

        var (result, request, requestError) = await ReadAsync<(Socks5Request? Request, Socks5Reply Reply)>(reader, Socks5Parser.Request, cancellationToken).ConfigureAwait(false);
        if (result == ParseResult.NeedMore) return Ended(peer, "?", "bad_handshake", requestError);
        if (result == ParseResult.Invalid) return await RefuseAsync(client, peer, "?", request.Reply, requestError, cancellationToken).ConfigureAwait(false);
        var asked = request.Request!;
        if (asked.Command != Socks5Request.Connect)
            return await RefuseAsync(client, peer, asked.ToString(), Socks5Reply.CommandNotSupported, $"command {asked.Command} is not CONNECT (1)", cancellationToken).ConfigureAwait(false);

        var (node, address, refusal, why) = resolver.Resolve(asked);
        if (node is null) return await RefuseAsync(client, peer, asked.ToString(), refusal, why, cancellationToken).ConfigureAwait(false);
        var target = new TargetRequest(asked.Port, address);
        // A path to the node's agent, then its own dial of the port: connectTimeout each.
        var bound = options.ConnectTimeout * 2;
        handshake.CancelAfter(bound + options.ConnectTimeout);
        using var opening = CancellationTokenSource.CreateLinkedTokenSource(stop);
        opening.CancelAfter(bound);
        RelayEnd? upstream;
        Socks5Reply reply;
        string reason;
        try
        {
            (upstream, reply, reason) = resolver.IsSelf(node)
                ? await DialSelfAsync(target, opening.Token).ConfigureAwait(false)
                : await OpenRemoteAsync(node, target, opening.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            (upstream, reply, reason) = (null, Socks5Reply.HostUnreachable, $"{node} did not answer within {bound.TotalSeconds:0} s");
        }
        if (upstream is null) return await RefuseAsync(client, peer, asked.ToString(), reply, reason, cancellationToken).ConfigureAwait(false);
        try
        {
            metrics.Connection(Socks5Reply.Succeeded.ToCode());
            await client.WriteAsync(Socks5Parser.Reply(Socks5Reply.Succeeded), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            upstream.Abort();
            await upstream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return upstream;
    }

    private async ValueTask<(RelayEnd?, Socks5Reply, string)> DialSelfAsync(TargetRequest target, CancellationToken cancellationToken)
    {
        var (socket, status, reason, _) = await localDialer.DialAsync(target, cancellationToken).ConfigureAwait(false);
        return socket is null ? (null, ReplyOf(status), reason) : (RelayEnd.Of(socket), Socks5Reply.Succeeded, "");
    }

    private async ValueTask<(RelayEnd?, Socks5Reply, string)> OpenRemoteAsync(string node, TargetRequest target, CancellationToken cancellationToken)
    {
        if (tunnel is null) return (null, Socks5Reply.HostUnreachable, $"no tunnel plugin: only this node ({node} is another) can be reached");
        var opened = await tunnel.OpenStreamAsync(new PeerTarget(NodeName: node), TargetCodec.ProtocolId, cancellationToken).ConfigureAwait(false);
        if (!opened.Ok)
        {
            var reply = opened.Failure is TunnelFailure.Refused or TunnelFailure.ProtocolNotSupported ? Socks5Reply.ConnectionRefused : Socks5Reply.HostUnreachable;
            var hint = opened.Failure == TunnelFailure.ProtocolNotSupported ? $" (is proxy.socks5 enabled on {node}?)" : "";
            return (null, reply, opened.Error + hint);
        }
        var stream = opened.Stream;
        try
        {
            await TargetCodec.WriteRequestAsync(stream.Stream, target, cancellationToken).ConfigureAwait(false);
            var (status, reason) = await TargetCodec.ReadAnswerAsync(stream.Stream, cancellationToken).ConfigureAwait(false);
            if (status == TargetStatus.Ok) return (RelayEnd.Of(stream, owned: true), Socks5Reply.Succeeded, "");
            stream.Reset();
            await stream.DisposeAsync().ConfigureAwait(false);
            return (null, ReplyOf(status), $"{node}: {reason}");
        }
        catch
        {
            stream.Reset();
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static Socks5Reply ReplyOf(TargetStatus status) => status switch
    {
        TargetStatus.Ok => Socks5Reply.Succeeded,
        TargetStatus.Refused => Socks5Reply.ConnectionRefused,
        TargetStatus.NotAllowed => Socks5Reply.NotAllowed,
        TargetStatus.BadRequest => Socks5Reply.GeneralFailure,
        _ => Socks5Reply.HostUnreachable,
    };

    private async Task<RelayEnd?> RefuseAsync(RelayEnd client, string peer, string target, Socks5Reply reply, string reason, CancellationToken cancellationToken)
    {
        Ended(peer, target, reply.ToCode(), reason);
        await client.WriteAsync(Socks5Parser.Reply(reply), cancellationToken).ConfigureAwait(false);
        await client.CloseWriteAsync().ConfigureAwait(false);
        return null;
    }

    private RelayEnd? Ended(string peer, string target, string result, string reason)
    {
        metrics.Connection(result);
        Socks5Log.Refused(logger, peer, target, result, reason);
        return null;
    }

    private delegate ParseResult Parse<T>(ReadOnlySequence<byte> buffer, out SequencePosition consumed, out T value, out string error);

    /// <summary>Reads until <paramref name="parse"/> has one message; a stream that ends first is <see cref="ParseResult.NeedMore"/> with the reason.</summary>
    private static async ValueTask<(ParseResult, T, string)> ReadAsync<T>(PipeReader reader, Parse<T> parse, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            var result = parse(buffer, out var consumed, out var value, out var error);
            if (result == ParseResult.NeedMore)
            {
                // Nothing consumed, everything examined: the next read waits for new bytes.
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted) return (ParseResult.NeedMore, value, $"connection closed inside the handshake after {buffer.Length} bytes");
                continue;
            }
            reader.AdvanceTo(result == ParseResult.Done ? consumed : buffer.Start);
            return (result, value, error);
        }
    }
}
