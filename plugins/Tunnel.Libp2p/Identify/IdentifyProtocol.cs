namespace PluginMesh.Plugins.Tunnel.Libp2p.Identify;

/// <summary>Identify (/ipfs/id/1.0.0) and Identify push: the wire exchange, free of host state.</summary>
public static class IdentifyProtocol
{
    public const string ProtocolId = "/ipfs/id/1.0.0";
    public const string PushProtocolId = "/ipfs/id/push/1.0.0";
    public const string ProtocolVersion = "ipfs/0.1.0";

    /// <summary>js may split its answer; it sends at most 10 messages.</summary>
    private const int MaxMessages = 10;

    /// <summary>Answers an identify request (or sends a push): one message, then our write side closes.</summary>
    public static async Task SendAsync(Stream stream, Func<CancellationToken, ValueTask> closeWrite, IdentifyMessage message, CancellationToken cancellationToken)
    {
        await LengthPrefixed.WriteAsync(stream, message.Encode(), cancellationToken).ConfigureAwait(false);
        await closeWrite(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads messages until end of stream and merges them; checks that the public key, which js
    /// requires, belongs to <paramref name="remote"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">Malformed, oversized, missing or mismatched key.</exception>
    public static async Task<IdentifyMessage> ReceiveAsync(Stream stream, PeerId remote, bool requireKey, CancellationToken cancellationToken)
    {
        IdentifyMessage? merged = null;
        for (var i = 0; i < MaxMessages; i++)
        {
            var bytes = await LengthPrefixed.ReadAsync(stream, IdentifyMessage.MaxSize, cancellationToken).ConfigureAwait(false);
            if (bytes is null) break;
            IdentifyMessage message;
            try
            {
                message = IdentifyMessage.Decode(bytes);
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"identify: {e.Message}", e);
            }
            merged = merged is null ? message : merged.Merge(message);
        }
        if (merged is null) throw new InvalidDataException("identify: remote sent no message");
        if (merged.PublicKey is null)
        {
            if (requireKey) throw new InvalidDataException("identify: message has no publicKey");
        }
        else if (!remote.Matches(merged.PublicKey))
        {
            throw new InvalidDataException("identify: publicKey does not belong to the connection's peer");
        }
        return merged;
    }
}
