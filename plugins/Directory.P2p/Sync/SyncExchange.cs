using PluginMesh.Plugins.Directory.P2p.Protocol;
using PluginMesh.Plugins.Directory.P2p.Records;
using PluginMesh.Plugins.Directory.P2p.Store;

namespace PluginMesh.Plugins.Directory.P2p.Sync;

/// <summary>
/// Both ends of one directory stream, over any <see cref="Stream"/> with a half-close (so the fuzz
/// tests drive it without a network). Version 2 reconciles ranges (<see cref="ReconcileAsync"/>):
/// the sides take turns, so only one writes at a time. Version 1 swaps digests of everything; there
/// each side reads while it writes, so two large record sets cannot deadlock on flow-control windows.
/// </summary>
internal sealed class SyncExchange(RecordStore store)
{
    /// <summary>Pushes <paramref name="records"/> and half-closes.</summary>
    public async Task<ExchangeCounts> PushAsync(Stream stream, Func<CancellationToken, ValueTask> closeWrite, IReadOnlyList<SignedNodeRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(closeWrite);
        await SendRecordsAsync(stream, records, cancellationToken).ConfigureAwait(false);
        await closeWrite(cancellationToken).ConfigureAwait(false);
        return new ExchangeCounts(records.Count, 0, 0);
    }

    /// <summary>Anti-entropy from our side: digests both ways, then each side sends what the other lacks.</summary>
    public async Task<ExchangeCounts> InitiateAsync(Stream stream, Func<CancellationToken, ValueTask> closeWrite, string remotePeerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(closeWrite);
        await FrameIo.WriteAsync(stream, MessageCodec.EncodeDigest(store.Digest()), cancellationToken).ConfigureAwait(false);
        var first = await FrameIo.ReadAsync(stream, cancellationToken).ConfigureAwait(false) ?? throw new FormatException("stream ended before the digest");
        var message = MessageCodec.Decode(first);
        if (message.Type == MessageType.Error) throw new DirectoryProtocolException(message.Error!);
        if (message.Type != MessageType.Digest) throw new FormatException($"expected a digest, got {message.Type}");
        var receiving = ReceiveRecordsAsync(stream, remotePeerId, ExchangeCounts.None, cancellationToken);
        var toSend = store.NewerThan(message.Digest);
        await SendAlongsideAsync(stream, closeWrite, null, toSend, receiving, cancellationToken).ConfigureAwait(false);
        var received = await receiving.ConfigureAwait(false);
        return received with { Sent = toSend.Count };
    }

    /// <summary>Anti-entropy from our side, version 2: one fingerprint of everything, then only the ranges that differ.</summary>
    public Task<ExchangeCounts> ReconcileAsync(Stream stream, Func<CancellationToken, ValueTask> closeWrite, string remotePeerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(closeWrite);
        return ConverseAsync(stream, closeWrite, remotePeerId, store.SyncSnapshot(), first: null, cancellationToken);
    }

    /// <summary>Serves an inbound stream: a reconcile or a digest starts an exchange, records are a push.</summary>
    public async Task<ExchangeCounts> ServeAsync(Stream stream, Func<CancellationToken, ValueTask> closeWrite, string remotePeerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(closeWrite);
        var first = await FrameIo.ReadAsync(stream, cancellationToken).ConfigureAwait(false) ?? throw new FormatException("stream ended before the first message");
        var message = MessageCodec.Decode(first);
        switch (message.Type)
        {
            case MessageType.Digest:
                var receiving = ReceiveRecordsAsync(stream, remotePeerId, ExchangeCounts.None, cancellationToken);
                var toSend = store.NewerThan(message.Digest);
                await SendAlongsideAsync(stream, closeWrite, MessageCodec.EncodeDigest(store.Digest()), toSend, receiving, cancellationToken).ConfigureAwait(false);
                return (await receiving.ConfigureAwait(false)) with { Sent = toSend.Count };
            case MessageType.Reconcile:
                return await ConverseAsync(stream, closeWrite, remotePeerId, store.SyncSnapshot(), message.Reconcile, cancellationToken).ConfigureAwait(false);
            case MessageType.Records:
                var counts = await AcceptAllAsync(message.Records, remotePeerId, ExchangeCounts.None, cancellationToken).ConfigureAwait(false);
                return await ReceiveRecordsAsync(stream, remotePeerId, counts, cancellationToken).ConfigureAwait(false);
            case MessageType.Error:
                throw new DirectoryProtocolException(message.Error!);
            default:
                throw new FormatException($"unexpected {message.Type} message");
        }
    }

    /// <summary>
    /// One range reconciliation, in turns: the initiator opens (<paramref name="first"/> null), then each
    /// RECONCILE received is answered with the records the other side lacks or asked for, followed by
    /// our RECONCILE. A RECONCILE that asks nothing ends it: its receiver serves the keys it lists and
    /// half-closes, its sender reads those records until the end of the stream and half-closes.
    /// </summary>
    private async Task<ExchangeCounts> ConverseAsync(Stream stream, Func<CancellationToken, ValueTask> closeWrite, string remotePeerId, SyncSnapshot mine, ReconcileMessage? first, CancellationToken cancellationToken)
    {
        var counts = ExchangeCounts.None;
        var sent = 0;
        if (first is null)
        {
            var open = Reconciler.Open(mine);
            await FrameIo.WriteAsync(stream, MessageCodec.EncodeReconcile(open), cancellationToken).ConfigureAwait(false);
            store.Metrics.ReconcileFrameSent();
            counts = counts with { Rounds = 1 };
        }
        var pending = first;
        int rounds = 0, recordFrames = 0;
        var closed = false;
        var shipped = new HashSet<int>();
        while (true)
        {
            var incoming = pending;
            pending = null;
            if (incoming is null)
            {
                var payload = await FrameIo.ReadAsync(stream, cancellationToken).ConfigureAwait(false);
                if (payload is null)
                {
                    if (!closed) await closeWrite(cancellationToken).ConfigureAwait(false);
                    return counts with { Sent = sent };
                }
                var message = MessageCodec.Decode(payload);
                switch (message.Type)
                {
                    case MessageType.Records:
                        if (++recordFrames > DirectoryProtocol.MaxRecordFramesPerStream) throw new FormatException($"more than {DirectoryProtocol.MaxRecordFramesPerStream} record frames on one stream");
                        counts = await AcceptAllAsync(message.Records, remotePeerId, counts, cancellationToken).ConfigureAwait(false);
                        continue;
                    case MessageType.Error:
                        throw new DirectoryProtocolException(message.Error!);
                    case MessageType.Reconcile:
                        incoming = message.Reconcile!;
                        break;
                    default:
                        throw new FormatException($"reconcile: unexpected {message.Type} message");
                }
            }
            if (closed) throw new FormatException("reconcile: a RECONCILE after the exchange ended");
            if (++rounds > DirectoryProtocol.MaxRounds) throw new FormatException($"reconcile: more than {DirectoryProtocol.MaxRounds} rounds");
            var answer = Reconciler.Respond(mine, incoming);
            // Each record at most once per stream, however often the other side asks for it.
            var indices = answer.Send.Concat(incoming.Needs.Select(mine.Find).Where(i => i >= 0)).Where(shipped.Add);
            var records = store.SignedOf(indices.Select(mine.PeerAt));
            await SendRecordsAsync(stream, records, cancellationToken).ConfigureAwait(false);
            sent += records.Count;
            if (answer.Reply is not null)
            {
                await FrameIo.WriteAsync(stream, MessageCodec.EncodeReconcile(answer.Reply), cancellationToken).ConfigureAwait(false);
                store.Metrics.ReconcileFrameSent();
                counts = counts with { Rounds = counts.Rounds + 1 };
            }
            else
            {
                await closeWrite(cancellationToken).ConfigureAwait(false);
                closed = true;
            }
        }
    }

    /// <summary>Best effort: tells the remote why we are closing before the caller resets the stream.</summary>
    public static async Task TrySendErrorAsync(Stream stream, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await FrameIo.WriteAsync(stream, MessageCodec.EncodeError(reason), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or NotSupportedException)
        {
            // The stream is going away anyway; the reason was only a courtesy.
        }
    }

    /// <summary>Writes (an optional digest, then records) and half-closes while <paramref name="receiving"/> reads.</summary>
    private static async Task SendAlongsideAsync(Stream stream, Func<CancellationToken, ValueTask> closeWrite, byte[]? digest, IReadOnlyList<SignedNodeRecord> records, Task receiving, CancellationToken cancellationToken)
    {
        try
        {
            if (digest is not null) await FrameIo.WriteAsync(stream, digest, cancellationToken).ConfigureAwait(false);
            await SendRecordsAsync(stream, records, cancellationToken).ConfigureAwait(false);
            await closeWrite(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The write failure is what the caller reports; the reader ends with the reset stream.
            _ = receiving.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
    }

    private static async Task SendRecordsAsync(Stream stream, IReadOnlyList<SignedNodeRecord> records, CancellationToken cancellationToken)
    {
        foreach (var chunk in records.Chunk(DirectoryProtocol.RecordsPerFrame))
            await FrameIo.WriteAsync(stream, MessageCodec.EncodeRecords(chunk), cancellationToken).ConfigureAwait(false);
    }

    private async Task<ExchangeCounts> ReceiveRecordsAsync(Stream stream, string remotePeerId, ExchangeCounts counts, CancellationToken cancellationToken)
    {
        for (var frames = 0; ; frames++)
        {
            var payload = await FrameIo.ReadAsync(stream, cancellationToken).ConfigureAwait(false);
            if (payload is null) return counts;
            if (frames >= DirectoryProtocol.MaxRecordFramesPerStream) throw new FormatException($"more than {DirectoryProtocol.MaxRecordFramesPerStream} record frames on one stream");
            var message = MessageCodec.Decode(payload);
            if (message.Type == MessageType.Error) throw new DirectoryProtocolException(message.Error!);
            if (message.Type != MessageType.Records) throw new FormatException($"expected records, got {message.Type}");
            counts = await AcceptAllAsync(message.Records, remotePeerId, counts, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ExchangeCounts> AcceptAllAsync(IReadOnlyList<byte[]> records, string remotePeerId, ExchangeCounts counts, CancellationToken cancellationToken)
    {
        int accepted = counts.Accepted, rejected = counts.Rejected;
        foreach (var wire in records)
        {
            // A bad record is counted and skipped, not a reason to drop the good ones beside it.
            var result = await store.AcceptWireAsync(wire, SourceOf(remotePeerId), cancellationToken).ConfigureAwait(false);
            if (result.Status == AcceptStatus.Accepted) accepted++;
            else if (result.Status == AcceptStatus.Rejected) rejected++;
        }
        return counts with { Accepted = accepted, Rejected = rejected };
    }

    /// <summary>The source text for records received from <paramref name="peerId"/>.</summary>
    public static string SourceOf(string peerId) => "peer:" + peerId;
}
