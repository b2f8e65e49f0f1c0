using System.Globalization;

namespace PluginMesh.Plugins.Directory.P2p;

/// <summary>Configuration of <c>directory.p2p</c> (section <c>plugins:directory.p2p</c>).</summary>
/// <param name="RecordTtl">Lifetime of this node's record; it is re-published at half of it.</param>
/// <param name="SyncInterval">Period of the anti-entropy exchange with every connected peer.</param>
/// <param name="ExchangeTimeout">Bound on one exchange or push with one peer.</param>
/// <param name="ServeExpired">Keep resolving a node to its last known record after expiry when nothing fresher exists.</param>
/// <param name="Capabilities">What this agent announces, e.g. <c>relay</c>, <c>dns</c>.</param>
/// <param name="Labels">Free labels announced with the record (zone, relay preference).</param>
public sealed record DirectoryOptions(
    TimeSpan RecordTtl,
    TimeSpan SyncInterval,
    TimeSpan ExchangeTimeout,
    bool ServeExpired,
    IReadOnlyList<string> Capabilities,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>Most records held (<c>maxRecords</c>).</summary>
    public int MaxRecords { get; init; } = DefaultMaxRecords;

    /// <summary>How long past expiry a record still resolves and is kept (<c>maxStaleSeconds</c>).</summary>
    public TimeSpan MaxStale { get; init; } = TimeSpan.FromSeconds(DefaultMaxStaleSeconds);

    /// <summary>Offer facts that moved less than 20 % are re-published at most this often (<c>factsRefreshSeconds</c>).</summary>
    public TimeSpan FactsRefresh { get; init; } = TimeSpan.FromSeconds(DefaultFactsRefreshSeconds);

    /// <summary>Default for <c>factsRefreshSeconds</c>.</summary>
    public const int DefaultFactsRefreshSeconds = 300;

    /// <summary>Per-peer admission rates (<c>admission</c>).</summary>
    internal Store.AdmissionOptions Admission { get; init; } = Store.AdmissionOptions.Default;

    /// <summary>Default for <c>maxRecords</c>.</summary>
    public const int DefaultMaxRecords = 32_768;

    /// <summary>Default for <c>maxStaleSeconds</c>: one day.</summary>
    public const int DefaultMaxStaleSeconds = 86_400;

    internal Store.StoreOptions ToStoreOptions() => new(MaxRecords, RecordTtl, ServeExpired, MaxStale, Admission);

    /// <summary>Default for <c>recordTtlSeconds</c>: one hour.</summary>
    public const int DefaultRecordTtlSeconds = 3600;

    /// <summary>Default for <c>syncIntervalSeconds</c>.</summary>
    public const int DefaultSyncIntervalSeconds = 30;

    /// <summary>Default for <c>exchangeTimeoutSeconds</c>.</summary>
    public const int DefaultExchangeTimeoutSeconds = 10;

    private const string TtlKey = "recordTtlSeconds";
    private const string SyncKey = "syncIntervalSeconds";
    private const string TimeoutKey = "exchangeTimeoutSeconds";
    private const string ServeExpiredKey = "serveExpired";
    private const string CapabilitiesKey = "capabilities";
    private const string LabelsKey = "labels";
    private const string MaxRecordsKey = "maxRecords";
    private const string MaxStaleKey = "maxStaleSeconds";
    private const string AdmissionKey = "admission";
    private const string FactsRefreshKey = "factsRefreshSeconds";
    private const string EnabledKey = "enabled";
    private static readonly string[] Known = [TtlKey, SyncKey, TimeoutKey, ServeExpiredKey, CapabilitiesKey, LabelsKey, MaxRecordsKey, MaxStaleKey, AdmissionKey, FactsRefreshKey, EnabledKey];
    private static readonly string[] AdmissionKeys = ["recordsPerSecond", "recordsBurst", "newPeersPerSecond", "newPeersBurst"];

    /// <summary>Defaults: what an empty section gives.</summary>
    public static DirectoryOptions Default { get; } = new(
        TimeSpan.FromSeconds(DefaultRecordTtlSeconds), TimeSpan.FromSeconds(DefaultSyncIntervalSeconds),
        TimeSpan.FromSeconds(DefaultExchangeTimeoutSeconds), ServeExpired: true, [], new Dictionary<string, string>());

    /// <summary>Reads the section, reporting every problem through <paramref name="error"/> (key, message).</summary>
    public static DirectoryOptions Read(IConfiguration section, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(error);
        foreach (var child in section.GetChildren())
        {
            // `enabled` belongs to the host; anything else unknown is most likely a typo.
            if (!Known.Any(k => string.Equals(k, child.Key, StringComparison.OrdinalIgnoreCase)))
                error(child.Key, $"unknown key; expected one of: {string.Join(", ", Known.Where(k => k != EnabledKey))}");
        }
        var ttl = Seconds(section, TtlKey, DefaultRecordTtlSeconds, 60, 7 * 24 * 3600, error);
        var sync = Seconds(section, SyncKey, DefaultSyncIntervalSeconds, 1, 3600, error);
        var timeout = Seconds(section, TimeoutKey, DefaultExchangeTimeoutSeconds, 1, 300, error);
        if (sync > ttl / 2) error(SyncKey, $"must be at most half of {TtlKey} ({ttl.TotalSeconds / 2:0} s): the record is re-published on this period's ticks");
        var serveExpired = true;
        if (section[ServeExpiredKey] is { } rawServe && !bool.TryParse(rawServe, out serveExpired))
            error(ServeExpiredKey, $"'{rawServe}' is not true or false");

        var capabilities = new List<string>();
        foreach (var child in section.GetSection(CapabilitiesKey).GetChildren())
        {
            if (string.IsNullOrWhiteSpace(child.Value) || child.Value.Length > 64)
                error($"{CapabilitiesKey}:{child.Key}", "must be a non-empty word of at most 64 characters");
            else capabilities.Add(child.Value);
        }
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var child in section.GetSection(LabelsKey).GetChildren())
        {
            if (child.Value is null || child.Value.Length > 256)
                error($"{LabelsKey}:{child.Key}", "must be a text value of at most 256 characters");
            else if (Records.AgentFacts.IsReserved(child.Key))
                error($"{LabelsKey}:{child.Key}", "is reserved: the agent publishes it itself (agent facts)");
            else labels[child.Key] = child.Value;
        }
        if (capabilities.Count > Records.RecordCodec.MaxListEntries) error(CapabilitiesKey, $"at most {Records.RecordCodec.MaxListEntries} entries");
        if (labels.Count > Records.RecordCodec.MaxListEntries) error(LabelsKey, $"at most {Records.RecordCodec.MaxListEntries} entries");
        var maxRecords = ConfigValues.WholeNumber(section, MaxRecordsKey, DefaultMaxRecords, 1024, 1 << 20, error);
        var maxStale = Seconds(section, MaxStaleKey, DefaultMaxStaleSeconds, 0, 30 * 86_400, error);
        var factsRefresh = Seconds(section, FactsRefreshKey, DefaultFactsRefreshSeconds, 30, 3600, error);
        var admission = section.GetSection(AdmissionKey);
        foreach (var child in admission.GetChildren())
        {
            if (!AdmissionKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                error($"{AdmissionKey}:{child.Key}", $"unknown key; expected one of: {string.Join(", ", AdmissionKeys)}");
        }
        var d = Store.AdmissionOptions.Default;
        var rates = new Store.AdmissionOptions(
            ConfigValues.WholeNumber(admission, AdmissionKeys[0], (int)d.RecordsPerSecond, 1, 1_000_000, (k, m) => error($"{AdmissionKey}:{k}", m)),
            ConfigValues.WholeNumber(admission, AdmissionKeys[1], d.RecordsBurst, 1, 1 << 24, (k, m) => error($"{AdmissionKey}:{k}", m)),
            ConfigValues.WholeNumber(admission, AdmissionKeys[2], (int)d.NewPeersPerSecond, 1, 1_000_000, (k, m) => error($"{AdmissionKey}:{k}", m)),
            ConfigValues.WholeNumber(admission, AdmissionKeys[3], d.NewPeersBurst, 1, 1 << 24, (k, m) => error($"{AdmissionKey}:{k}", m)));
        return new DirectoryOptions(ttl, sync, timeout, serveExpired, capabilities, labels) { MaxRecords = maxRecords, MaxStale = maxStale, Admission = rates, FactsRefresh = factsRefresh };
    }

    private static TimeSpan Seconds(IConfiguration section, string key, int fallback, int min, int max, Action<string, string> error)
    {
        var raw = section[key];
        if (raw is null) return TimeSpan.FromSeconds(fallback);
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            error(key, $"'{raw}' is not a whole number of seconds from {min} to {max}");
            return TimeSpan.FromSeconds(fallback);
        }
        return TimeSpan.FromSeconds(value);
    }
}
