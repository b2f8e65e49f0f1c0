namespace PluginMesh.Plugins.Tunnel.Libp2p.AutoNat;

/// <summary>
/// The AutoNAT v1 client: every <see cref="AutoNatOptions.Interval"/> (and when a peer connects
/// while reachability is unknown) it asks up to <see cref="AutoNatOptions.PeersPerRound"/> directly
/// connected peers that speak AutoNAT to dial it back. More OK answers than dial errors means
/// public, more errors private, a tie unknown; a round with no usable answer changes nothing.
/// </summary>
public sealed class AutoNatClient : IAsyncDisposable
{
    private readonly Libp2pHost _host;
    private readonly AutoNatOptions _options;
    private readonly Action<Reachability> _report;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Func<Reachability> _current;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private Task? _loop;

    /// <param name="report">Receives each round's verdict (the network raises the event on change).</param>
    public AutoNatClient(Libp2pHost host, AutoNatOptions options, Action<Reachability> report, Func<Reachability> current, ILogger logger, TimeProvider time)
    {
        _host = host;
        _options = options;
        _report = report;
        _logger = logger;
        _time = time;
        _current = current;
        host.ConnectionOpened += c => _ = c.IdentifyTask.ContinueWith(_ =>
        {
            if (current() == Reachability.Unknown && Speaks(c)) Wake();
        }, TaskScheduler.Default);
    }

    /// <summary>Results of the last round: peer → OK / dial error / other status.</summary>
    public IReadOnlyDictionary<string, string> LastAnswers { get; private set; } = new Dictionary<string, string>();

    public DateTimeOffset? LastRound { get; private set; }

    public void Start() => _loop ??= Task.Run(LoopAsync);

    /// <summary>
    /// How soon a round is repeated when peers were asked but none gave a usable answer while reachability
    /// is still unknown (a dial-back that timed out on a busy peer): waiting the whole interval would leave
    /// the agent unknown — not electable, not reserving — that long.
    /// </summary>
    internal static readonly TimeSpan RetryUnanswered = TimeSpan.FromSeconds(5);

    /// <summary>Runs one round now and returns its verdict (null when no peer gave a usable answer).</summary>
    public async Task<Reachability?> ProbeAsync(CancellationToken cancellationToken)
    {
        var peers = _host.Connections.Where(Speaks).GroupBy(c => c.RemotePeerId).Select(g => g.First())
            .OrderBy(_ => Random.Shared.Next()).Take(_options.PeersPerRound).ToList();
        var addrs = _host.DirectAddresses.Select(a => a.ToBytes()).ToList();
        if (peers.Count == 0 || addrs.Count == 0) return null;
        var answers = await Task.WhenAll(peers.Select(c => AskAsync(c, addrs, cancellationToken))).ConfigureAwait(false);
        LastAnswers = peers.Zip(answers).ToDictionary(p => p.First.RemotePeerId.ToString(), p => p.Second?.ToString() ?? "no answer");
        LastRound = _time.GetUtcNow();
        var ok = answers.Count(a => a == AutoNatStatus.Ok);
        var failed = answers.Count(a => a == AutoNatStatus.DialError);
        if (ok + failed == 0) return null;
        var verdict = ok > failed ? Reachability.Public : failed > ok ? Reachability.Private : Reachability.Unknown;
        AutoNatLog.Round(_logger, ok, failed, verdict.ToString());
        _report(verdict);
        return verdict;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static bool Speaks(Libp2pConnection c) =>
        !c.IsClosed && c.Path != PathKind.Relayed && c.RemoteIdentify?.Protocols.Contains(AutoNatServer.ProtocolId) == true;

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending; one round serves both.
        }
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var verdict = await ProbeAsync(_stop.Token).ConfigureAwait(false);
                var unanswered = verdict is null && LastAnswers.Count > 0 && _current() == Reachability.Unknown;
                using var delay = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var timer = Task.Delay(unanswered && RetryUnanswered < _options.Interval ? RetryUnanswered : _options.Interval, _time, delay.Token);
                await Task.WhenAny(timer, _wake.WaitAsync(delay.Token)).ConfigureAwait(false);
                await delay.CancelAsync().ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                // Stopping: a probe in flight may fail on a connection being torn down (broken pipe,
                // closed session) rather than with a cancellation; either way the round is over.
                return;
            }
        }
    }

    private async Task<AutoNatStatus?> AskAsync(Libp2pConnection connection, List<byte[]> addrs, CancellationToken ct)
    {
        try
        {
            // Its dial-back arrives meanwhile and is closed at once: it must not take over the connection in use.
            using var dialBack = _host.ExpectDialBack(connection.RemotePeerId);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            // The server may try several addresses, each up to its own dial-back limit.
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            var s = await connection.OpenStreamAsync(AutoNatServer.ProtocolId, timeout.Token).ConfigureAwait(false);
            await using (s.Stream.ConfigureAwait(false))
            {
                await LengthPrefixed.WriteAsync(s.Stream, AutoNatMessage.Dial(_host.PeerId.Multihash, addrs).Encode(), timeout.Token).ConfigureAwait(false);
                var raw = await LengthPrefixed.ReadAsync(s.Stream, AutoNatMessage.MaxSize, timeout.Token).ConfigureAwait(false);
                if (raw is null) return null;
                var response = AutoNatMessage.Decode(raw);
                AutoNatLog.Probed(_logger, connection.RemotePeerId.ToString(), $"{response.Status} {response.StatusText}");
                return response.Type == AutoNatMessage.TypeDialResponse ? response.Status : null;
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or OverflowException || MeshFailures.Classify(e) is not null && !ct.IsCancellationRequested)
        {
            AutoNatLog.Probed(_logger, connection.RemotePeerId.ToString(), e.Message);
            return null;
        }
    }
}
