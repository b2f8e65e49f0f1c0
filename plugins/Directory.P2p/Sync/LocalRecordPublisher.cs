using System.Text;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Directory.P2p.Records;
using PluginMesh.Plugins.Directory.P2p.Store;

namespace PluginMesh.Plugins.Directory.P2p.Sync;

/// <summary>
/// Builds, signs and stores this node's record: addresses from <see cref="ILocalPeer.Addresses"/>,
/// offers from <see cref="ILocalPeer.Offers"/> (each offered service also announced as a capability),
/// agent facts (reachability, cores, memory, uptime). Re-signed when forced, when the refresh period
/// passed, at once when addresses, capabilities, the set of offers or a resource fact change, and
/// for offer facts (a relay's load) only when one moved by more than 20 % and 30 s passed since the
/// last signature, or when any moved and <c>factsRefreshSeconds</c> passed — so a relay's changing
/// load does not re-sign every second. The sequence is max(now in µs since the epoch, last known + 1):
/// it keeps increasing across restarts (the last one comes back from the cache) and even when the
/// cache was lost, as long as the clock did not go back further than the gap.
/// </summary>
internal sealed class LocalRecordPublisher(RecordStore store, ILocalPeer local, DirectoryOptions options, string nodeName, TimeProvider time, ILogger logger,
    IPeerNetwork? network = null, Func<Reachability, AgentFacts>? facts = null)
{
    /// <summary>A relative move of an offer fact that is worth a new signature.</summary>
    public const double SignificantChange = 0.2;

    /// <summary>Least time between two signatures caused by offer facts alone.</summary>
    public static readonly TimeSpan MinFactsInterval = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Func<Reachability, AgentFacts> _facts = facts ?? AgentFactsSource.Create(time);
    private DateTimeOffset _lastPublished = DateTimeOffset.MinValue;
    private Content? _last;

    /// <summary>How often the record is re-signed when nothing changed (half the TTL unless the tolerance window asks for more).</summary>
    public Func<TimeSpan> RefreshPeriod { get; set; } = () => options.RecordTtl / 2;

    /// <summary>True when the refresh period has passed since the last publication.</summary>
    public bool Due => time.GetUtcNow() - _lastPublished >= RefreshPeriod();

    /// <summary>Publishes when forced, due, or something changed enough (see the class remarks).</summary>
    public async Task PublishAsync(bool force, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            var content = Build(_facts(network?.Reachability ?? Reachability.Unknown));
            var since = now - _lastPublished;
            var publish = force || _last is null || since >= RefreshPeriod() || content.Structure != _last.Structure
                || (since >= MinFactsInterval && content.MovedSignificantly(_last))
                || (since >= options.FactsRefresh && content.FactsDiffer(_last));
            if (!publish) return;
            var sequence = Math.Max((now - DateTimeOffset.UnixEpoch).Ticks / 10, store.LastSequence(local.PeerId.ToString()) + 1);
            var expires = DateTimeOffset.FromUnixTimeMilliseconds((now + options.RecordTtl).ToUnixTimeMilliseconds());
            var record = new NodeRecord(nodeName, local.PeerId, content.Direct, content.Relay, content.Capabilities, sequence, expires, content.Labels) { Offers = content.Offers };
            SignedNodeRecord signed;
            try
            {
                signed = RecordCodec.Sign(record, local.PublicKey.Protobuf, data => local.Sign(data));
            }
            catch (ArgumentException e)
            {
                // A field the tunnel handed us breaks a record limit: keep the previous record rather than stop syncing.
                DirectoryLog.PublishFailed(logger, nodeName, e.Message);
                return;
            }
            await store.AcceptAsync(signed, "local", cancellationToken, local: true).ConfigureAwait(false);
            _lastPublished = now;
            _last = content;
            DirectoryLog.Published(logger, sequence, nodeName, content.Direct.Count + content.Relay.Count);
        }
        finally
        {
            _gate.Release();
        }
    }

    private Content Build(AgentFacts agent)
    {
        var usable = local.Addresses.Where(a => Encoding.UTF8.GetByteCount(a.ToString()) <= RecordCodec.MaxTextBytes).ToList();
        var relay = usable.Where(a => a.IsRelayed).Take(RecordCodec.MaxListEntries).ToArray();
        var direct = usable.Where(a => !a.IsRelayed).Take(RecordCodec.MaxListEntries).ToArray();
        // Offers beyond the record's limits are dropped, as ServiceOffer's contract says publishers do.
        var offers = new SortedDictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
        foreach (var offer in local.Offers.Where(o => o.Service.Length > 0 && Encoding.UTF8.GetByteCount(o.Service) <= RecordCodec.MaxServiceBytes).OrderBy(o => o.Service, StringComparer.Ordinal))
        {
            if (offers.Count == RecordCodec.MaxOffers) break;
            offers[offer.Service] = offer.Facts.Where(f => double.IsFinite(f.Value) && f.Key.Length > 0 && Encoding.UTF8.GetByteCount(f.Key) <= RecordCodec.MaxFactNameBytes)
                .OrderBy(f => f.Key, StringComparer.Ordinal).Take(RecordCodec.MaxOfferFacts).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        }
        var capabilities = options.Capabilities.Concat(offers.Keys).Distinct(StringComparer.Ordinal).Take(RecordCodec.MaxListEntries).ToList();
        var labels = new SortedDictionary<string, string>(options.Labels.ToDictionary(l => l.Key, l => l.Value), StringComparer.Ordinal);
        foreach (var l in agent.ToLabels()) labels[l.Key] = l.Value;
        var structure = string.Join('\n', [.. usable.Select(a => a.ToString()), "|", .. capabilities, "|", .. offers.Select(o => o.Key + ":" + string.Join(',', o.Value.Keys)),
            "|", AgentFacts.ReachabilityText(agent.Reachability), agent.Cores.ToString(System.Globalization.CultureInfo.InvariantCulture),
            agent.MemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return new Content(direct, relay, capabilities, labels, offers, structure);
    }

    /// <summary>What a record would say now. <see cref="Structure"/> is everything but offer fact values and uptime.</summary>
    private sealed record Content(IReadOnlyList<PluginMesh.P2p.Multiaddr> Direct, IReadOnlyList<PluginMesh.P2p.Multiaddr> Relay, IReadOnlyList<string> Capabilities,
        IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Offers, string Structure)
    {
        public bool FactsDiffer(Content other) => Values().Zip(other.Values()).Any(p => p.First != p.Second);

        public bool MovedSignificantly(Content other) => Values().Zip(other.Values()).Any(p =>
            Math.Abs(p.First - p.Second) > SignificantChange * Math.Max(Math.Abs(p.First), Math.Abs(p.Second)));

        // Same structure, so the same services and fact names in the same order.
        private IEnumerable<double> Values() => Offers.Values.SelectMany(f => f.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => v.Value));
    }
}
