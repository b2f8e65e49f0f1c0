using PluginMesh.P2p;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Plugins.Dns.Mdns.Limits;
using PluginMesh.Plugins.Dns.Mdns.Wire;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>
/// libp2p mDNS discovery: queries at start and every interval, answers queries for the service
/// with our advertisement, keeps a TTL-bound table of peers and says goodbye on dispose. Runs the
/// same in the agent and in a plugin command's node (both through <see cref="MdnsHostedService"/>).
/// </summary>
/// <remarks>Thread-safe. Events are raised on the receive loop or the expiry timer.</remarks>
internal sealed partial class MdnsDiscovery : IPeerDiscovery, IAsyncDisposable
{
    private readonly MdnsOptions _options;
    private readonly MdnsMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<IReadOnlyList<MdnsInterface>> _hostInterfaces;
    private readonly byte[] _serviceWire;
    private readonly byte[] _query;
    private readonly MdnsPeerTable _table = new();
    private readonly SourceRateLimiter _limiter;
    private readonly DropLog _dropLog;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _advertiseLock = new();
    private MdnsSocket? _socket;
    private Task _receive = Task.CompletedTask;
    private Task _queries = Task.CompletedTask;
    private ITimer? _expiry;
    private LocalPeerAdvertisement? _local;
    private byte[]? _response;
    private IReadOnlyList<string> _advertised = [];
    private int _disposed;

    private readonly IDisposable? _owned;

    /// <param name="options">Settings.</param>
    /// <param name="metrics">Instruments.</param>
    /// <param name="time">Clock for TTLs, rate limits and the query period.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="hostInterfaces">Where interfaces come from (tests replace the host's).</param>
    /// <param name="owned">Disposed with the discovery (the standalone meter).</param>
    public MdnsDiscovery(MdnsOptions options, MdnsMetrics metrics, TimeProvider time, ILogger logger,
        Func<IReadOnlyList<MdnsInterface>>? hostInterfaces = null, IDisposable? owned = null)
    {
        _owned = owned;
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _hostInterfaces = hostInterfaces ?? InterfaceSelector.Host;
        _serviceWire = DnsNames.ToWire(options.ServiceName) ?? throw new ArgumentException($"'{options.ServiceName}' is not a valid service name", nameof(options));
        _query = MdnsMessageWriter.Query(_serviceWire);
        _limiter = new SourceRateLimiter(time);
        _dropLog = new DropLog(logger, time, TimeSpan.FromSeconds(10));
        PeerName = Mdns.PeerName.Create();
        metrics.ObservePeers(() => _table.Count);
    }

    public string Name => "mdns";

    /// <summary>Our instance label.</summary>
    public string PeerName { get; }

    public IReadOnlyList<DiscoveredPeer> Peers => _table.Snapshot();

    public event Action<DiscoveredPeer>? PeerDiscovered;

    public event Action<PeerId>? PeerExpired;

    /// <summary>Interfaces joined (empty before start or when none is usable).</summary>
    public IReadOnlyList<MdnsInterface> Interfaces => _socket?.Interfaces ?? [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_socket is not null) return Task.CompletedTask;
        var skipped = new List<string>();
        var chosen = InterfaceSelector.Select(_hostInterfaces(), _options, skipped);
        if (chosen.Count == 0)
        {
            MdnsLog.NoInterfaces(_logger, skipped.Count > 0 ? string.Join(", ", skipped) : "no interfaces");
            return Task.CompletedTask;
        }
        try
        {
            _socket = new MdnsSocket(chosen, _options.Loopback);
        }
        catch (SocketException ex)
        {
            // Port 5353 held without SO_REUSEADDR (some responders do) is a fact of the host, not a
            // reason to stop the agent: DNS and the tunnel keep running, discovery stays idle.
            MdnsLog.BindFailed(_logger, ex.Message);
            return Task.CompletedTask;
        }
        MdnsLog.Started(_logger, _options.ServiceName, string.Join(", ", chosen), _advertised.Count, PeerName);
        _receive = Task.Run(() => ReceiveLoopAsync(_socket, _stop.Token), CancellationToken.None);
        _queries = Task.Run(() => QueryLoopAsync(_stop.Token), CancellationToken.None);
        // Armed for the next expiry only (see Rearm): an idle node with steady peers never wakes for it.
        _expiry = _time.CreateTimer(_ => Sweep(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Rearm();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Sets what we advertise (null: nothing) and announces it at once on every interface; a peer
    /// whose addresses changed is re-read by everyone without waiting for their next query.
    /// </summary>
    public void Advertise(LocalPeerAdvertisement? local)
    {
        byte[]? goodbye = null;
        byte[]? announce;
        bool changed;
        List<string> addresses;
        lock (_advertiseLock)
        {
            addresses = local is null ? [] : Filter(local);
            if (_local is not null && addresses.Count == 0 && _advertised.Count > 0)
                goodbye = MdnsMessageWriter.Response(_serviceWire, PeerName, _advertised, 0);
            _local = local;
            changed = !addresses.SequenceEqual(_advertised);
            _advertised = addresses;
            _response = addresses.Count > 0 ? MdnsMessageWriter.Response(_serviceWire, PeerName, addresses, _options.Ttl) : null;
            announce = _response;
        }
        // The tunnel usually listens after mDNS started ("advertising 0 addresses"): say when that changes.
        if (changed) MdnsLog.Advertising(_logger, addresses.Count, string.Join(" ", addresses));
        if (goodbye is not null) SendAll(goodbye, "goodbye");
        if (announce is not null) SendAll(announce, "announcement");
    }

    public IReadOnlyList<string> Advertised => _advertised;

    public MdnsStatus Status() => new(
        _options.Enabled, _options.ServiceName, PeerName,
        Interfaces.Select(i => i.ToString()).ToList(), _advertised,
        _table.Status(_time.GetUtcNow()), _metrics.PacketTotals(), _metrics.DropTotals());

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        _expiry?.Dispose();
        byte[]? goodbye;
        lock (_advertiseLock)
            goodbye = _advertised.Count > 0 ? MdnsMessageWriter.Response(_serviceWire, PeerName, _advertised, 0) : null;
        // RFC 6762 §10.1: a TTL-0 copy of our records tells everyone to forget us now, not in 2 min.
        if (goodbye is not null) SendAll(goodbye, "goodbye");
        _socket?.Dispose();
        try
        {
            await Task.WhenAll(_receive, _queries).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
        _owned?.Dispose();
    }

    private List<string> Filter(LocalPeerAdvertisement local)
    {
        var result = new List<string>();
        foreach (var address in local.Addresses)
        {
            var full = MdnsAddresses.LastPeerId(address) is null ? address.Encapsulate(MultiaddrComponent.Of(local.PeerId)) : address;
            var text = full.ToString();
            string? why = MdnsAddresses.LastPeerId(full) != local.PeerId ? "its /p2p/ id is not ours"
                : Encoding.UTF8.GetByteCount(text) + MdnsLimits.TxtPrefix.Length > MdnsLimits.MaxTxtString ? "longer than a TXT string (255 bytes)"
                : !MdnsAddresses.EndsWithPeerId(full) ? "not a multiaddr ending in /p2p/<id>"
                : null;
            if (why is not null) MdnsLog.NotAdvertised(_logger, address.ToString(), why);
            else if (MdnsAddresses.NotForNeighbours(full) is { } useless) MdnsLog.NotForNeighbours(_logger, address.ToString(), useless);
            else if (_options.Advertise == AdvertiseScope.All || full.IsPrivate)
            {
                if (!result.Contains(text) && result.Count < MdnsLimits.MaxAddresses) result.Add(text);
            }
        }
        return result;
    }
}
