namespace PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

/// <summary>
/// The <c>plugins.tunnel.libp2p</c> section. Every key is optional: with none, the node listens on
/// <c>/ip4/0.0.0.0/tcp/4001</c> with a key file under the data directory and no private network.
/// </summary>
public sealed record Libp2pOptions
{
    public const string DefaultListen = "/ip4/0.0.0.0/tcp/4001";

    /// <summary>Every key the section understands (<c>enabled</c> is the host's switch, accepted in every plugin section).</summary>
    public static readonly IReadOnlyList<string> Keys =
    [
        "listen", "dialOnly", "keyFile", "pskFile", "maxInboundStreamsPerConnection", "maxStreamWindowMiB", "maxReceiveBufferMiB",
        "maxConnections", "idleTimeoutSeconds", "holePunch", "autonat", "maxConnectionsPerPeer", "maxSessionBufferMiB",
        "ephemeralKey",
    ];

    /// <summary>Every key of the <c>autonat</c> sub-section.</summary>
    public static readonly IReadOnlyList<string> AutoNatKeys =
    [
        "enabled", "intervalSeconds", "peersPerRound", "perPeerPerMinute", "globalPerMinute", "privateRanges", "treatAsPublic",
    ];

    /// <summary>Listen addresses; empty when <c>dialOnly</c> is set (no listener at all).</summary>
    public IReadOnlyList<Multiaddr> Listen { get; init; } = [Multiaddr.Parse(DefaultListen)];

    /// <summary>
    /// <c>dialOnly: true</c>: open no listener. The node makes outbound connections only and is reached
    /// through relay circuits — a node behind a firewall that drops every inbound connection.
    /// </summary>
    public bool DialOnly { get; init; }

    /// <summary>Identity key file (libp2p PrivateKey protobuf), created with mode 0600 on first start.</summary>
    public required string KeyFile { get; init; }

    /// <summary>
    /// <c>ephemeralKey: true</c>: a fresh identity made in memory at start and never written anywhere;
    /// <see cref="KeyFile"/> is then not read. A throwaway PeerId, for nodes that only dial (diagnostics).
    /// </summary>
    public bool EphemeralKey { get; init; }

    /// <summary>swarm.key v1 file; when set, only peers with the same key can connect.</summary>
    public string? PskFile { get; init; }

    public int MaxInboundStreamsPerConnection { get; init; } = 1000;

    public int MaxStreamWindowMiB { get; init; } = 16;

    public int MaxConnections { get; init; } = 512;

    /// <summary>Open connections one peer may have with us; further inbound ones are refused (counted, logged).</summary>
    public int MaxConnectionsPerPeer { get; init; } = 4;

    /// <summary>Received-but-unread bytes (plus granted window) one connection may hold before its stream windows stop growing.</summary>
    public int MaxSessionBufferMiB { get; init; } = 64;

    /// <summary>
    /// Receive memory all connections together may commit (MiB); 0 = sized at start from the cgroup memory
    /// limit (half of it) or 512 MiB without one. See <see cref="ReceiveBudgetSizing"/>.
    /// </summary>
    public int MaxReceiveBufferMiB { get; init; }

    /// <summary>Seconds a connection may have no stream before it is closed; 0 keeps idle connections.</summary>
    public int IdleTimeoutSeconds { get; init; } = 300;

    /// <summary>Run DCUtR: upgrade relayed connections to direct ones by hole punching (<c>holePunch</c>, default true).</summary>
    public bool HolePunch { get; init; } = true;

    /// <summary>AutoNAT client and server settings (sub-section <c>autonat</c>).</summary>
    public AutoNatOptions AutoNat { get; init; } = new();

    /// <summary>Reads the section, reporting every problem through <paramref name="error"/> (key, message).</summary>
    public static Libp2pOptions Read(IConfiguration section, string dataDirectory, Action<string, string> error)
    {
        // A misspelt key must not silently fall back to its default.
        foreach (var child in section.GetChildren())
        {
            if (!string.Equals(child.Key, "enabled", StringComparison.OrdinalIgnoreCase) && !Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                error(child.Key, $"unknown key; expected one of: {string.Join(", ", Keys)}");
        }
        var listen = new List<Multiaddr>();
        var listenSection = section.GetSection("listen");
        var entries = listenSection.GetChildren().ToList();
        if (entries.Count == 0 && listenSection.Value is { } single) entries = [listenSection];
        for (var i = 0; i < entries.Count; i++)
        {
            var key = entries[i] == listenSection ? "listen" : $"listen:{i}";
            if (!Multiaddr.TryParse(entries[i].Value, out var addr, out var reason))
            {
                error(key, $"not a multiaddr ({reason})");
                continue;
            }
            if (!addr!.TryGetTcpTarget(out _, out _, out var isIp) || !isIp || addr.PeerId is not null)
            {
                error(key, $"not a listenable address ({addr}: need /ip4|ip6/<addr>/tcp/<port>)");
                continue;
            }
            listen.Add(addr);
        }
        var maxStreams = ReadInt(section, "maxInboundStreamsPerConnection", 1000, 1, 100_000, error);
        var window = ReadInt(section, "maxStreamWindowMiB", 16, 1, 256, error);
        var maxConnections = ReadInt(section, "maxConnections", 512, 1, 100_000, error);
        var idle = ReadInt(section, "idleTimeoutSeconds", 300, 0, 86_400, error);
        var perPeer = ReadInt(section, "maxConnectionsPerPeer", 4, 1, 1000, error);
        var sessionBuffer = ReadInt(section, "maxSessionBufferMiB", 64, 1, 4096, error);
        var hostBuffer = ReadInt(section, "maxReceiveBufferMiB", 0, 0, 65_536, error);
        var autoNat = ReadAutoNat(section.GetSection("autonat"), error);
        var dialOnly = false;
        if (section["dialOnly"] is { } dialOnlyText && !bool.TryParse(dialOnlyText, out dialOnly)) error("dialOnly", $"must be true or false, got '{dialOnlyText}'");
        if (dialOnly && entries.Count > 0) error("dialOnly", "a dial-only node opens no listener; remove 'listen' or set dialOnly to false");
        var holePunch = true;
        if (section["holePunch"] is { } holePunchText && !bool.TryParse(holePunchText, out holePunch)) error("holePunch", $"must be true or false, got '{holePunchText}'");
        var keyFile = section["keyFile"];
        if (keyFile is not null && keyFile.Trim().Length == 0) error("keyFile", "must not be empty");
        var ephemeralKey = false;
        if (section["ephemeralKey"] is { } ephemeralText && !bool.TryParse(ephemeralText, out ephemeralKey)) error("ephemeralKey", $"must be true or false, got '{ephemeralText}'");
        return new Libp2pOptions
        {
            Listen = dialOnly ? [] : listen.Count > 0 ? listen : [Multiaddr.Parse(DefaultListen)],
            DialOnly = dialOnly,
            KeyFile = string.IsNullOrWhiteSpace(keyFile) ? Path.Combine(dataDirectory, "libp2p", "identity.key") : Path.GetFullPath(keyFile, dataDirectory),
            EphemeralKey = ephemeralKey,
            PskFile = string.IsNullOrWhiteSpace(section["pskFile"]) ? null : Path.GetFullPath(section["pskFile"]!, dataDirectory),
            MaxInboundStreamsPerConnection = maxStreams,
            MaxStreamWindowMiB = window,
            MaxConnections = maxConnections,
            IdleTimeoutSeconds = idle,
            MaxConnectionsPerPeer = perPeer,
            MaxSessionBufferMiB = sessionBuffer,
            MaxReceiveBufferMiB = hostBuffer,
            AutoNat = autoNat,
            HolePunch = holePunch,
        };
    }

    private static AutoNatOptions ReadAutoNat(IConfiguration section, Action<string, string> error)
    {
        void Prefixed(string key, string message) => error("autonat:" + key, message);
        if (section is IConfigurationSection { Value: { Length: > 0 } scalar })
            error("autonat", $"expected a mapping of AutoNAT settings, got the value '{scalar}'");
        foreach (var child in section.GetChildren())
        {
            if (!AutoNatKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                Prefixed(child.Key, $"unknown key; expected one of: {string.Join(", ", AutoNatKeys)}");
        }
        var enabled = true;
        if (section["enabled"] is { } text && !bool.TryParse(text, out enabled)) Prefixed("enabled", $"must be true or false, got '{text}'");
        var ranges = ReadNetworks(section, "privateRanges", Prefixed);
        var publicRanges = ReadNetworks(section, "treatAsPublic", Prefixed);
        return new AutoNatOptions
        {
            Enabled = enabled,
            Interval = TimeSpan.FromSeconds(ReadInt(section, "intervalSeconds", 60, 1, 86_400, Prefixed)),
            PeersPerRound = ReadInt(section, "peersPerRound", 3, 1, 32, Prefixed),
            PerPeerPerMinute = ReadInt(section, "perPeerPerMinute", 3, 1, 1000, Prefixed),
            GlobalPerMinute = ReadInt(section, "globalPerMinute", 30, 1, 100_000, Prefixed),
            Ranges = new AddressRanges(ranges ?? AddressRanges.DefaultPrivate, publicRanges ?? []),
        };
    }

    /// <summary>
    /// A CIDR list, or null when the key is absent (so the default applies). A key that is present with
    /// no entries (<c>privateRanges: []</c>) is an explicitly empty list, not the default.
    /// </summary>
    private static List<System.Net.IPNetwork>? ReadNetworks(IConfiguration section, string key, Action<string, string> error)
    {
        var node = section.GetSection(key);
        var entries = node.GetChildren().ToList();
        if (entries.Count == 0)
        {
            if (node.Value is { Length: > 0 } scalar)
            {
                error(key, $"must be a list of CIDR networks, got the value '{scalar}'");
                return null;
            }
            var present = section.GetChildren().Any(c => string.Equals(c.Key, key, StringComparison.OrdinalIgnoreCase));
            return present ? [] : null;
        }
        var result = new List<System.Net.IPNetwork>();
        for (var i = 0; i < entries.Count; i++)
        {
            if (System.Net.IPNetwork.TryParse(entries[i].Value, out var network)) result.Add(network);
            else error($"{key}:{i}", $"not a CIDR network ('{entries[i].Value}', e.g. 203.0.113.0/24)");
        }
        return result;
    }

    private static int ReadInt(IConfiguration section, string key, int fallback, int min, int max, Action<string, string> error)
    {
        var text = section[key];
        if (text is null) return fallback;
        if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            error(key, $"must be an integer from {min} to {max}, got '{text}'");
            return fallback;
        }
        return value;
    }
}
