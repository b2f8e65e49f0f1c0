using PluginMesh.P2p;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Plugins.Dns.Mdns.Mdns;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>
/// <c>mdns-node</c>: runs one discovery and prints JSON lines (ready, mdns:peer, mdns:expired,
/// status on a "status" stdin line). Closing stdin stops it cleanly (goodbye packets); SIGKILL does not.
/// </summary>
public static class MdnsNode
{
    private static readonly Lock Out = new();

    public static async Task<int> RunAsync(string[] args)
    {
        var advertise = new List<string>();
        var o = MdnsOptions.Default;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var v = args[i + 1];
            switch (args[i])
            {
                case "--advertise": advertise.Add(v); break;
                case "--interval": o = o with { Interval = TimeSpan.FromMilliseconds(int.Parse(v, System.Globalization.CultureInfo.InvariantCulture)) }; break;
                case "--ttl": o = o with { Ttl = uint.Parse(v, System.Globalization.CultureInfo.InvariantCulture) }; break;
                case "--interfaces": o = o with { Interfaces = v.Split(',') }; break;
                case "--exclude": o = o with { ExcludeInterfaces = v.Split(',') }; break;
                case "--service": o = o with { ServiceName = v }; break;
                case "--advertise-scope": o = o with { Advertise = Enum.Parse<AdvertiseScope>(v, ignoreCase: true) }; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        using var meter = new Meter("mdns-node");
        var discovery = new MdnsDiscovery(o, new MdnsMetrics(meter), TimeProvider.System, NullLogger.Instance);
        discovery.PeerDiscovered += p => Print(new { @event = "mdns:peer", peerId = p.PeerId, addrs = p.Addresses, ttl = p.Ttl.TotalSeconds });
        discovery.PeerExpired += id => Print(new { @event = "mdns:expired", peerId = id });
        if (advertise.Count > 0) discovery.Advertise(new LocalPeerAdvertisement(MdnsAddresses.LastPeerId(Multiaddr.Parse(advertise[0]))!, [.. advertise.Select(Multiaddr.Parse)]));
        await discovery.StartAsync(CancellationToken.None).ConfigureAwait(false);
        Print(new { @event = "ready", peerName = discovery.PeerName, interfaces = discovery.Interfaces.Select(i => i.Name), advertised = discovery.Advertised });

        string? line;
        while ((line = await Console.In.ReadLineAsync().ConfigureAwait(false)) is not null)
            if (line.Trim() == "status") Print(new { @event = "status", status = discovery.Status() });
        await discovery.DisposeAsync().ConfigureAwait(false);
        Print(new { @event = "stopped" });
        return 0;
    }

    private static void Print(object value)
    {
        var text = JsonSerializer.Serialize(value, JsonSerializerOptions.Web);
        lock (Out)
        {
            Console.Out.WriteLine(text);
            Console.Out.Flush();
        }
    }
}
