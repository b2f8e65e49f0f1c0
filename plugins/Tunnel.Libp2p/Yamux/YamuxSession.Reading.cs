namespace PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

// The read loop: frame parsing, stream acceptance and limits, pings, GoAway. It never blocks on a write.
public sealed partial class YamuxSession
{
    private async Task ReadLoopAsync()
    {
        var reason = "remote closed the connection";
        try
        {
            var headerBytes = new byte[YamuxHeader.Size];
            while (true)
            {
                var result = await _reader.ReadAtLeastAsync(YamuxHeader.Size, _shutdown.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (buffer.Length < YamuxHeader.Size)
                {
                    if (Volatile.Read(ref _writeShutdown) != 0) reason = "drained";
                    if (buffer.Length > 0) reason = "connection closed inside a frame header";
                    _reader.AdvanceTo(buffer.End);
                    break;
                }
                buffer.Slice(0, YamuxHeader.Size).CopyTo(headerBytes);
                _reader.AdvanceTo(buffer.GetPosition(YamuxHeader.Size));
                var header = YamuxHeader.Read(headerBytes, out var error);
                Volatile.Write(ref _framesIn, _framesIn + 1);
                error ??= await HandleFrameAsync(header).ConfigureAwait(false);
                if (error is not null)
                {
                    reason = error;
                    YamuxLog.ProtocolError(_logger, _name, error);
                    await TrySendGoAwayAsync(YamuxGoAwayCode.ProtocolError).ConfigureAwait(false);
                    break;
                }
                if (_remoteGoAwayClose) { reason = _goAwayReason!; break; }
            }
        }
        catch (OperationCanceledException)
        {
            reason = CloseReason ?? "closed locally";
        }
        catch (Exception e)
        {
            reason = $"read failed: {e.Message}";
        }
        Close(reason);
    }

    /// <summary>Best effort: tells the peer why we close, without letting a stuck socket hold us up.</summary>
    private async ValueTask TrySendGoAwayAsync(YamuxGoAwayCode code)
    {
        try
        {
            await WriteFrameAsync(new YamuxHeader(YamuxFrameType.GoAway, YamuxFlags.None, 0, (uint)code), default, CancellationToken.None)
                .AsTask().WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or TimeoutException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Handles one frame; returns a protocol error text, or null.</summary>
    private async ValueTask<string?> HandleFrameAsync(YamuxHeader header)
    {
        switch (header.Type)
        {
            case YamuxFrameType.Ping:
                return HandlePing(header);
            case YamuxFrameType.GoAway:
                if (header.StreamId != 0) return $"GoAway on stream {header.StreamId}";
                HandleGoAway(header.Length);
                return null;
        }
        if (header.StreamId == 0) return $"{header.Type} frame on stream 0";
        var stream = AcceptOrFind(header, out var error);
        if (error is not null) return error;
        if (header.Type == YamuxFrameType.WindowUpdate)
        {
            stream?.AddSendWindow(header.Length);
        }
        else if (header.Length > 0)
        {
            if (stream is not null && !stream.TryReserve(header.Length))
                return $"stream {header.StreamId} sent {header.Length} bytes past its receive window";
            if (stream is null && header.Length > Options.MaxStreamWindow)
                return $"data frame of {header.Length} bytes for unknown stream {header.StreamId}";
            var payloadError = await CopyPayloadAsync(stream, header.Length).ConfigureAwait(false);
            if (payloadError is not null) return payloadError;
        }
        if (stream is not null)
        {
            stream.ApplyFlags(header.Flags);
            ForgetIfFinished(stream);
        }
        return null;
    }

    private async ValueTask<string?> CopyPayloadAsync(YamuxStream? stream, uint length)
    {
        var remaining = (long)length;
        while (remaining > 0)
        {
            var result = await _reader.ReadAsync(_shutdown.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.IsEmpty && result.IsCompleted) return "connection closed inside a data frame";
            var take = buffer.Slice(0, Math.Min(remaining, buffer.Length));
            if (stream is not null)
            {
                foreach (var segment in take) stream.Deliver(segment.Span);
            }
            remaining -= take.Length;
            _reader.AdvanceTo(take.End);
        }
        return null;
    }

    /// <summary>Finds the frame's stream, or accepts a new inbound one on SYN. Null stream means "discard".</summary>
    private YamuxStream? AcceptOrFind(YamuxHeader header, out string? error)
    {
        error = null;
        YamuxStream? stream;
        if ((header.Flags & YamuxFlags.Syn) == 0)
        {
            lock (_lock) _streams.TryGetValue(header.StreamId, out stream);
            return stream; // frames for streams we already forgot are dropped
        }
        var remoteIsClient = !_isClient;
        if ((header.StreamId % 2 == 1) != remoteIsClient)
        {
            error = $"SYN with stream id {header.StreamId} of the wrong parity";
            return null;
        }
        var reject = false;
        var overBudget = false;
        lock (_lock)
        {
            if (_streams.ContainsKey(header.StreamId))
            {
                error = $"duplicate SYN for stream {header.StreamId}";
                return null;
            }
            if (_inbound >= Options.MaxInboundStreams || _localGoAway)
            {
                reject = true;
                stream = null;
            }
            else if (!ReceiveBudget.TryAdmitStream())
            {
                // The node's receive memory is spoken for: refuse at the door (its data is discarded unread).
                reject = overBudget = true;
                stream = null;
            }
            else
            {
                stream = new YamuxStream(this, header.StreamId, outbound: false, floorCommitted: true);
                _streams[header.StreamId] = stream;
                _inbound++;
                _totalStreams++;
            }
        }
        if (reject)
        {
            var rejected = Interlocked.Increment(ref _rejected);
            if (overBudget) YamuxLog.StreamOverBudget(_logger, _name, header.StreamId, ReceiveBudget.Host!.Cap, rejected);
            else YamuxLog.StreamRejected(_logger, _name, header.StreamId, Options.MaxInboundStreams, rejected);
            StreamRejected?.Invoke(overBudget ? "budget" : "limit");
            QueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, header.StreamId, 0));
            return null;
        }
        QueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Ack, header.StreamId, 0));
        _onInbound(stream!);
        return stream;
    }

    private string? HandlePing(YamuxHeader header)
    {
        if (header.StreamId != 0) return $"ping on stream {header.StreamId}";
        if (header.Flags == YamuxFlags.Syn)
        {
            QueueControl(new YamuxHeader(YamuxFrameType.Ping, YamuxFlags.Ack, 0, header.Length));
            return null;
        }
        if (header.Flags == YamuxFlags.Ack)
        {
            lock (_lock)
            {
                if (_pings.Remove(header.Length, out var ping))
                {
                    ping.Done.TrySetResult(Options.TimeProvider.GetElapsedTime(ping.Start));
                }
            }
            return null; // an unexpected ACK is harmless to us; we are lenient where js is strict
        }
        return $"ping with flags {header.Flags}";
    }

    private void HandleGoAway(uint code)
    {
        YamuxLog.GoAwayReceived(_logger, _name, code);
        lock (_lock) _remoteGoAway = true;
        if (code != (uint)YamuxGoAwayCode.Normal)
        {
            _remoteGoAwayClose = true;
            _goAwayReason = $"remote sent GoAway({(YamuxGoAwayCode)code})";
            return;
        }
        OnRemoteGoAwayNormal();
    }
}
