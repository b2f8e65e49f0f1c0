using PluginMesh.Plugins.Tunnel.Relay.AutoRelay;
using PluginMesh.Plugins.Tunnel.Relay.Hop;

namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>The <c>plugins.tunnel.relay</c> section, bound and checked.</summary>
public sealed record RelayOptions
{
    /// <summary>Every key the section understands (the README documents each; <c>enabled</c> is the host's switch, accepted too).</summary>
    public static readonly IReadOnlyList<string> Keys =
    [
        "relay", "members", "trustedPeers", "limits", "memberLimits", "outsiderLimits",
        "reserve", "autorelay", "relays", "candidates", "segmentRelays", "electionSettleSeconds", "acceptStop",
    ];

    /// <summary>Every key of the <c>limits</c> sub-section.</summary>
    public static readonly IReadOnlyList<string> LimitKeys =
    [
        "maxReservations", "maxReservationsPerPeer", "maxReservationsPerIp", "maxOutsiderReservations", "maxCircuitsPerPeer", "maxCircuits",
        "reservationTtlSeconds", "bufferKiB",
    ];

    /// <summary>Every key of the <c>memberLimits</c> and <c>outsiderLimits</c> sub-sections.</summary>
    public static readonly IReadOnlyList<string> CircuitLimitKeys = ["durationSeconds", "bytes"];

    public RelayOfferMode Relay { get; init; } = RelayOfferMode.Auto;
    public MembershipMode Members { get; init; } = MembershipMode.Bound;
    public IReadOnlyList<PeerId> TrustedPeers { get; init; } = [];
    public HopLimits Limits { get; init; } = new();
    public CircuitLimit MemberLimits { get; init; } = CircuitLimit.Unlimited;
    public CircuitLimit OutsiderLimits { get; init; } = CircuitLimit.OutsiderDefault;
    public IReadOnlyList<Multiaddr> Reserve { get; init; } = [];
    public AutoRelayMode AutoRelay { get; init; } = AutoRelayMode.Auto;
    public int Relays { get; init; } = 2;
    public IReadOnlyList<Multiaddr> Candidates { get; init; } = [];
    public StopAcceptance AcceptStop { get; init; } = StopAcceptance.Reserved;

    /// <summary>How many relays a LAN segment should have (<c>electRelay</c>'s <c>want</c>).</summary>
    public int SegmentRelays { get; init; } = 2;

    /// <summary>Hysteresis of the relay election: a seat is given up only after this long of steady "no", and not re-taken sooner.</summary>
    public TimeSpan ElectionSettle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Reads the section; every problem goes to <paramref name="error"/> (key path, message) and a default is used.</summary>
    public static RelayOptions Read(IConfiguration section, Action<string, string> error)
    {
        var defaults = new RelayOptions();
        // A misspelt key must not silently fall back to its default: every level is checked.
        CheckKeys(section, "", Keys, allowEnabled: true, error);
        var limits = section.GetSection("limits");
        CheckMapping(limits, "limits", LimitKeys, error);
        CheckMapping(section.GetSection("memberLimits"), "memberLimits", CircuitLimitKeys, error);
        CheckMapping(section.GetSection("outsiderLimits"), "outsiderLimits", CircuitLimitKeys, error);
        return new RelayOptions
        {
            Relay = Enum(section, "relay", defaults.Relay, error, ("auto", RelayOfferMode.Auto), ("always", RelayOfferMode.Always), ("never", RelayOfferMode.Never)),
            Members = Enum(section, "members", defaults.Members, error,
                ("bound", MembershipMode.Bound), ("directory", MembershipMode.Bound), ("psk", MembershipMode.Psk), ("all", MembershipMode.All), ("none", MembershipMode.None)),
            TrustedPeers = [.. List(section, "trustedPeers", error, t => PeerId.TryParse(t, out _) ? null : "not a PeerId").Select(PeerId.Parse)],
            Limits = new HopLimits
            {
                MaxReservations = Int(limits, "limits:", "maxReservations", defaults.Limits.MaxReservations, 0, 1_000_000, error),
                MaxReservationsPerPeer = Int(limits, "limits:", "maxReservationsPerPeer", defaults.Limits.MaxReservationsPerPeer, 0, 1, error),
                MaxReservationsPerIp = Int(limits, "limits:", "maxReservationsPerIp", defaults.Limits.MaxReservationsPerIp, 0, 1_000_000, error),
                MaxOutsiderReservations = Int(limits, "limits:", "maxOutsiderReservations", defaults.Limits.MaxOutsiderReservations, 0, 1_000_000, error),
                MaxCircuitsPerPeer = Int(limits, "limits:", "maxCircuitsPerPeer", defaults.Limits.MaxCircuitsPerPeer, 0, 1_000_000, error),
                MaxCircuits = Int(limits, "limits:", "maxCircuits", defaults.Limits.MaxCircuits, 0, 1_000_000, error),
                ReservationTtl = TimeSpan.FromSeconds(Int(limits, "limits:", "reservationTtlSeconds", (int)defaults.Limits.ReservationTtl.TotalSeconds, 60, 86_400, error)),
                BufferSize = 1024 * Int(limits, "limits:", "bufferKiB", defaults.Limits.BufferSize / 1024, 4, 4096, error),
            },
            MemberLimits = Circuit(section.GetSection("memberLimits"), "memberLimits:", defaults.MemberLimits, error),
            OutsiderLimits = Circuit(section.GetSection("outsiderLimits"), "outsiderLimits:", defaults.OutsiderLimits, error),
            Reserve = [.. List(section, "reserve", error, t => CircuitAddressRelay.TryParse(t, out _) ? null : "not a relay multiaddr ending in /p2p/<PeerId>").Select(Multiaddr.Parse)],
            AutoRelay = Enum(section, "autorelay", defaults.AutoRelay, error, ("auto", AutoRelayMode.Auto), ("true", AutoRelayMode.Always), ("false", AutoRelayMode.Off)),
            Relays = Int(section, "", "relays", defaults.Relays, 0, 16, error),
            Candidates = [.. List(section, "candidates", error, t => CircuitAddressRelay.TryParse(t, out _) ? null : "not a relay multiaddr ending in /p2p/<PeerId>").Select(Multiaddr.Parse)],
            SegmentRelays = Int(section, "", "segmentRelays", defaults.SegmentRelays, 1, 16, error),
            AcceptStop = Enum(section, "acceptStop", defaults.AcceptStop, error, ("reserved", StopAcceptance.Reserved), ("dialed", StopAcceptance.Dialed)),
            ElectionSettle = TimeSpan.FromSeconds(Int(section, "", "electionSettleSeconds", (int)defaults.ElectionSettle.TotalSeconds, 0, 3600, error)),
        };
    }

    private static void CheckMapping(IConfigurationSection section, string key, IReadOnlyList<string> known, Action<string, string> error)
    {
        if (section.Value is { Length: > 0 } scalar) error(key, $"expected a mapping with keys {string.Join(", ", known)}, got the value '{scalar}'");
        CheckKeys(section, key + ":", known, allowEnabled: false, error);
    }

    private static void CheckKeys(IConfiguration section, string prefix, IReadOnlyList<string> known, bool allowEnabled, Action<string, string> error)
    {
        foreach (var child in section.GetChildren())
        {
            if (allowEnabled && string.Equals(child.Key, "enabled", StringComparison.OrdinalIgnoreCase)) continue;
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                error(prefix + child.Key, $"unknown key; expected one of: {string.Join(", ", known)}");
        }
    }

    private static T Enum<T>(IConfiguration section, string key, T fallback, Action<string, string> error, params (string Name, T Value)[] names)
    {
        var text = section[key];
        if (text is null) return fallback;
        foreach (var (name, value) in names)
        {
            if (string.Equals(name, text.Trim(), StringComparison.OrdinalIgnoreCase)) return value;
        }
        error(key, $"'{text}' is not one of {string.Join(", ", names.Select(n => n.Name))}");
        return fallback;
    }

    private static int Int(IConfiguration section, string prefix, string key, int fallback, int min, int max, Action<string, string> error) =>
        ConfigValues.WholeNumber(section, key, fallback, min, max, (k, m) => error(prefix + k, m));

    private static CircuitLimit Circuit(IConfiguration section, string prefix, CircuitLimit fallback, Action<string, string> error)
    {
        var duration = section["durationSeconds"];
        var bytes = section["bytes"];
        TimeSpan? d = fallback.Duration;
        long? b = fallback.Bytes;
        if (duration is not null)
        {
            // 0 means unlimited, so a member section can lift the caps explicitly.
            if (long.TryParse(duration, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var s) && s >= 0 && s <= uint.MaxValue)
                d = s == 0 ? null : TimeSpan.FromSeconds(s);
            else error(prefix + "durationSeconds", $"'{duration}' is not a number of seconds (0 = unlimited)");
        }
        if (bytes is not null)
        {
            if (long.TryParse(bytes, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 0)
                b = n == 0 ? null : n;
            else error(prefix + "bytes", $"'{bytes}' is not a byte count (0 = unlimited)");
        }
        return new CircuitLimit(d, b);
    }

    private static string[] List(IConfiguration section, string key, Action<string, string> error, Func<string, string?> check)
    {
        var list = new List<string>();
        var child = section.GetSection(key);
        if (child.Value is { Length: > 0 })
        {
            error(key, "must be a list");
            return [];
        }
        foreach (var item in child.GetChildren())
        {
            var text = item.Value?.Trim();
            var problem = text is null ? "empty entry" : check(text);
            if (problem is null) list.Add(text!);
            else error($"{key}:{item.Key}", $"'{text}' {problem}");
        }
        return [.. list];
    }
}
