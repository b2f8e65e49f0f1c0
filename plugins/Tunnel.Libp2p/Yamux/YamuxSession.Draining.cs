namespace PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

// Graceful retirement of a session whose streams must not break (a duplicate connection to a peer):
// stop opening, optionally tell the peer with GoAway, close once nothing is left to carry.
public sealed partial class YamuxSession
{
    /// <summary>Raised on the read loop when the peer sent GoAway(normal): it opens no more streams here.</summary>
    public event Action? RemoteGoingAway;

    /// <summary>This side opens no new streams (<see cref="StopOpening"/>, a drain, or a local close).</summary>
    public bool IsDraining
    {
        get { lock (_lock) return _stopOpening || _localGoAway; }
    }

    /// <summary>The peer sent GoAway(normal): no new streams may be opened towards it.</summary>
    public bool IsRemoteGoingAway
    {
        get { lock (_lock) return _remoteGoAway; }
    }

    /// <summary>
    /// New streams from this side fail (<see cref="YamuxException.GoingAway"/>); streams already open,
    /// and streams the peer still opens, carry on. Nothing goes on the wire, so
    /// <see cref="TryResumeOpening"/> can undo it until a drain is announced.
    /// </summary>
    public void StopOpening()
    {
        lock (_lock) _stopOpening = true;
    }

    /// <summary>Undoes <see cref="StopOpening"/>/<see cref="CloseWhenIdle"/>; false once either side sent GoAway or the session closed.</summary>
    public bool TryResumeOpening()
    {
        lock (_lock)
        {
            if (IsClosed || _drainAnnounced || _localGoAway || _remoteGoAway || Volatile.Read(ref _drainFinishing) != 0) return false;
            _stopOpening = false;
            _closeWhenIdle = false;
            return true;
        }
    }

    /// <summary>
    /// Stops opening and sends GoAway(normal), ordered after the SYN of every stream we opened. Inbound
    /// streams are still accepted: the peer may have opened some before it saw our GoAway. The session
    /// closes once the peer's GoAway has arrived too (so nothing new can come from either side) and
    /// every stream has finished. For peers that answer GoAway with GoAway (PluginMesh); js-libp2p
    /// resets its streams on GoAway, so use <see cref="CloseWhenIdle"/> with it.
    /// </summary>
    public async Task DrainAsync()
    {
        if (IsClosed) return;
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            lock (_lock)
            {
                _stopOpening = true;
                if (_drainAnnounced || _localGoAway) return;
                _drainAnnounced = true;
            }
            YamuxLog.Draining(_logger, _name);
            await WriteLockedAsync(new YamuxHeader(YamuxFrameType.GoAway, YamuxFlags.None, 0, (uint)YamuxGoAwayCode.Normal), default).ConfigureAwait(false);
        }
        catch (YamuxException)
        {
            return; // closed meanwhile: nothing left to drain
        }
        finally
        {
            _writeLock.Release();
        }
        TryFinishDrain();
    }

    /// <summary>
    /// Stops opening; once no stream is open, sends GoAway and ends our sending side (as a drain does).
    /// Without the GoAway exchange of <see cref="DrainAsync"/>, a stream the peer opens just then is refused.
    /// </summary>
    public void CloseWhenIdle()
    {
        lock (_lock)
        {
            _stopOpening = true;
            _closeWhenIdle = true;
        }
        TryFinishDrain();
    }

    private void OnRemoteGoAwayNormal()
    {
        RemoteGoingAway?.Invoke();
        TryFinishDrain();
    }

    private void TryFinishDrain()
    {
        bool ready;
        lock (_lock) ready = _streams.Count == 0 && ((_drainAnnounced && _remoteGoAway) || _closeWhenIdle);
        if (!ready || IsClosed || Interlocked.Exchange(ref _drainFinishing, 1) != 0) return;
        _ = Task.Run(FinishDrainAsync);
    }

    private async Task FinishDrainAsync()
    {
        // Nothing is open here, and (after a drain) both sides said GoAway. Closing outright would reset
        // the connection if a frame of the peer's (a window update, a ping) arrives afterwards, and a
        // reset can destroy our last frames (the final FIN) before the peer has read them. So end our
        // sending side only: the peer reads everything, then our end-of-stream; we read on until its own.
        try
        {
            await _writeLock.WaitAsync(_shutdown.Token).ConfigureAwait(false);
            try
            {
                bool announced;
                lock (_lock)
                {
                    announced = _drainAnnounced;
                    _localGoAway = true;
                }
                if (!announced) await WriteLockedAsync(new YamuxHeader(YamuxFrameType.GoAway, YamuxFlags.None, 0, (uint)YamuxGoAwayCode.Normal), default).ConfigureAwait(false);
                Volatile.Write(ref _writeShutdown, 1);
                if (!await HalfClose.TryCloseWriteAsync(_transport, _shutdown.Token).ConfigureAwait(false))
                {
                    Close("drained");
                    return;
                }
            }
            finally
            {
                _writeLock.Release();
            }
            await Completion.WaitAsync(Options.DrainLingerTimeout, Options.TimeProvider, _shutdown.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Closed meanwhile.
        }
        catch (TimeoutException)
        {
            Close("drained (the peer did not close its side)");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Close("drained");
        }
    }
}
