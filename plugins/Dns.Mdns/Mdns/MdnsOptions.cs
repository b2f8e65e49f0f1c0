namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>Configuration of the multicast half (section <c>plugins:dns.mdns:mdns</c>).</summary>
/// <param name="Enabled">Whether mDNS discovery runs.</param>
/// <param name="ServiceName">DNS-SD service queried and announced (libp2p: <c>_p2p._udp.local</c>).</param>
/// <param name="Interval">Time between queries.</param>
/// <param name="Ttl">TTL of our announcements.</param>
/// <param name="Interfaces">Allow list of interface names; empty means every usable interface.</param>
/// <param name="ExcludeInterfaces">Name patterns never used (a trailing <c>*</c> matches a prefix).</param>
/// <param name="Advertise">Which addresses we announce.</param>
/// <param name="Loopback">Whether our multicasts loop back to this host (other agents on it).</param>
public sealed record MdnsOptions(
    bool Enabled,
    string ServiceName,
    TimeSpan Interval,
    uint Ttl,
    IReadOnlyList<string> Interfaces,
    IReadOnlyList<string> ExcludeInterfaces,
    AdvertiseScope Advertise,
    bool Loopback)
{
    /// <summary>Container bridges, CNI devices and the agent's own DNS interface carry no LAN peers.</summary>
    public static readonly IReadOnlyList<string> DefaultExcludes =
        ["docker*", "br-*", "veth*", "cni*", "flannel*", "cali*", "kube-ipvs*", "pluginmesh0"];

    /// <summary>Defaults, as when the section is absent.</summary>
    public static MdnsOptions Default { get; } = new(true, "_p2p._udp.local", TimeSpan.FromSeconds(10), 120, [], DefaultExcludes, AdvertiseScope.Private, true);

    /// <summary>
    /// The DNS half's own interface (<c>interface</c>, default pluginmesh0): skipped even when
    /// <c>excludeInterfaces</c> is replaced, since it only carries the agent's own DNS address.
    /// </summary>
    public string OwnInterface { get; init; } = "pluginmesh0";

    internal static readonly string[] Keys =
        ["enabled", "serviceName", "intervalMs", "ttlSeconds", "interfaces", "excludeInterfaces", "advertise", "loopback"];

    /// <summary>Reads the section, reporting every problem through <paramref name="error"/> (key relative to the section, message).</summary>
    public static MdnsOptions Read(IConfiguration section, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(error);
        if (section is IConfigurationSection s && s.Value is not null && s.Value.Length > 0)
            error("", $"expected a mapping of mDNS settings, got the value '{s.Value}'");
        foreach (var child in section.GetChildren())
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                error(child.Key, $"unknown key; expected one of: {string.Join(", ", Keys)}");

        var d = Default;
        var serviceName = section["serviceName"] ?? d.ServiceName;
        if (!IsServiceName(serviceName))
            error("serviceName", $"'{serviceName}' is not a DNS-SD service name (e.g. _p2p._udp.local: labels of 1-63 characters, at most 255 bytes)");

        var advertiseText = section["advertise"] ?? "private";
        var advertise = advertiseText.ToLowerInvariant() switch
        {
            "private" => AdvertiseScope.Private,
            "all" => AdvertiseScope.All,
            _ => Fail(error, "advertise", $"'{advertiseText}' is not one of: private, all", AdvertiseScope.Private),
        };

        return new MdnsOptions(
            ConfigValues.Bool(section, "enabled", d.Enabled, error),
            serviceName.TrimEnd('.').ToLowerInvariant(),
            TimeSpan.FromMilliseconds(ConfigValues.Int(section, "intervalMs", 10000, 100, 3_600_000, error)),
            (uint)ConfigValues.Int(section, "ttlSeconds", 120, 1, 86400, error),
            ReadNames(section, "interfaces", [], error),
            ReadNames(section, "excludeInterfaces", DefaultExcludes, error),
            advertise,
            ConfigValues.Bool(section, "loopback", d.Loopback, error));
    }

    internal static bool IsServiceName(string text) =>
        text.Length > 0 && !text.StartsWith('.') && !text.Contains("..", StringComparison.Ordinal)
        && text.All(c => c > ' ' && c < 127) && DnsNames.ToWire(text) is { Length: > 1 };

    private static T Fail<T>(Action<string, string> error, string key, string message, T fallback)
    {
        error(key, message);
        return fallback;
    }

    private static List<string> ReadNames(IConfiguration section, string key, IReadOnlyList<string> fallback, Action<string, string> error)
    {
        var node = section.GetSection(key);
        // `key: []` is present with neither value nor children (Exists() is false): an explicitly empty list, not the default.
        if (!node.Exists()) return section.GetChildren().Any(c => string.Equals(c.Key, key, StringComparison.OrdinalIgnoreCase)) ? [] : [.. fallback];
        // One value without list syntax, or a comma-separated string: interfaces: eth0,wlan0
        var raw = node.Value is not null
            ? node.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select((v, i) => (Key: key, Value: (string?)v))
            : node.GetChildren().Select(c => (Key: $"{key}:{c.Key}", c.Value));
        var names = new List<string>();
        foreach (var (childKey, value) in raw)
        {
            if (string.IsNullOrEmpty(value) || value.Length > 16 || value.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.' or '@' or '*'))
                || value.IndexOf('*', StringComparison.Ordinal) is >= 0 and var star && star != value.Length - 1)
                error(childKey, $"'{value}' is not an interface name or prefix pattern (1-15 of letters, digits, '-', '_', '.', optionally ending in '*')");
            else names.Add(value);
        }
        return names;
    }
}
