using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Discovery;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>Builds a discovery for plugin commands (<c>pluginmesh p2p listen --mdns</c>) from by-name options.</summary>
internal static class StandaloneMdns
{
    /// <summary>Option names accepted by <see cref="Create"/>.</summary>
    public static readonly string[] OptionNames = ["interval", "serviceName", "interfaces"];

    public static IStandaloneDiscovery Create(LocalPeerAdvertisement local, IReadOnlyDictionary<string, string> options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var o = MdnsOptions.Default;
        foreach (var (name, value) in options)
        {
            switch (name)
            {
                case "interval":
                    if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) || ms is < 100 or > 3_600_000)
                        throw new ArgumentException($"[dns.mdns] mdns option interval: '{value}' is not a whole number of milliseconds between 100 and 3600000", nameof(options));
                    o = o with { Interval = TimeSpan.FromMilliseconds(ms) };
                    break;
                case "serviceName":
                    if (!MdnsOptions.IsServiceName(value))
                        throw new ArgumentException($"[dns.mdns] mdns option serviceName: '{value}' is not a DNS-SD service name", nameof(options));
                    o = o with { ServiceName = value.TrimEnd('.').ToLowerInvariant() };
                    break;
                case "interfaces":
                    o = o with { Interfaces = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) };
                    break;
                default:
                    throw new ArgumentException($"[dns.mdns] unknown mdns option '{name}'; expected one of: {string.Join(", ", OptionNames)}", nameof(options));
            }
        }
        // Its own meter: a diagnostic command has no exporter, and the agent's meter must not see it.
        var meter = new Meter("PluginMesh.dns.mdns.standalone");
        var discovery = new MdnsDiscovery(o, new MdnsMetrics(meter), TimeProvider.System,
            loggers.CreateLogger("PluginMesh.Plugins.Dns.Mdns.Mdns"), owned: meter);
        discovery.Advertise(local);
        return discovery;
    }
}
