namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

/// <summary>
/// Turns a raw byte stream into a <see cref="Libp2pConnection"/>: [pnet] → multistream /noise →
/// Noise XX (muxer inlined when both sides list one) → [multistream /yamux/1.0.0] → Yamux.
/// </summary>
internal sealed class ConnectionUpgrader(Libp2pHostOptions options, ILogger logger)
{
    private static readonly string[] Muxers = [YamuxSession.ProtocolId];

    /// <exception cref="NoiseException">Handshake failed (wrong PSK shows up here or in multistream).</exception>
    /// <exception cref="MultistreamException">Negotiation failed.</exception>
    /// <exception cref="TunnelException">The upgrade timed out (<see cref="TunnelFailure.Handshake"/>).</exception>
    public async Task<Libp2pConnection> UpgradeAsync(Stream raw, bool initiator, PeerId? expectedRemote, Multiaddr local, Multiaddr remote, Action<Libp2pConnection, YamuxStream> onInbound, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.UpgradeTimeout);
        try
        {
            return await UpgradeCoreAsync(raw, initiator, expectedRemote, local, remote, onInbound, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // With pnet a key mismatch usually looks like this: both sides wait for garbage lengths.
            var hint = options.PrivateNetworkKey is null ? "" : " (with a private network key, a peer using another key fails like this)";
            throw new TunnelException(TunnelFailure.Handshake, $"[tunnel.libp2p] upgrade with {remote} timed out after {options.UpgradeTimeout.TotalSeconds:0.#} s{hint}", e);
        }
    }

    private async Task<Libp2pConnection> UpgradeCoreAsync(Stream raw, bool initiator, PeerId? expectedRemote, Multiaddr local, Multiaddr remote, Action<Libp2pConnection, YamuxStream> onInbound, CancellationToken ct)
    {
        var stream = raw;
        if (options.PrivateNetworkKey is not null)
        {
            stream = await PnetStream.EstablishAsync(stream, options.PrivateNetworkKey, ct).ConfigureAwait(false);
        }
        if (initiator) await MultistreamSelect.SelectAsync(stream, [NoiseHandshake.ProtocolId], ct).ConfigureAwait(false);
        else await MultistreamSelect.HandleAsync(stream, [NoiseHandshake.ProtocolId], ct).ConfigureAwait(false);

        var secured = await NoiseHandshake.RunAsync(stream, initiator, options.Identity, expectedRemote, Muxers, ct).ConfigureAwait(false);
        try
        {
            if (secured.Muxer is null)
            {
                if (initiator) await MultistreamSelect.SelectAsync(secured.Stream, Muxers, ct).ConfigureAwait(false);
                else await MultistreamSelect.HandleAsync(secured.Stream, Muxers, ct).ConfigureAwait(false);
            }
            else if (secured.Muxer != YamuxSession.ProtocolId)
            {
                throw new MultistreamException($"noise: peer chose unsupported muxer {secured.Muxer}", protocolNotSupported: true);
            }
        }
        catch
        {
            await secured.Stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        Libp2pConnection? connection = null;
        var session = new YamuxSession(secured.Stream, isClient: initiator, options.Yamux,
            s => onInbound(connection!, s), logger, $"{secured.RemotePeerId}/{remote}");
        connection = new Libp2pConnection(secured.RemotePeerId, secured.RemotePublicKey, local, remote, initiator, session, options.ProtocolNegotiationTimeout)
        {
            HandshakeHash = secured.HandshakeHash,
        };
        session.Start();
        return connection;
    }
}
