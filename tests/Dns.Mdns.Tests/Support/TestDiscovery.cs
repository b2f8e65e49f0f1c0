using PluginMesh.P2p;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Plugins.Dns.Mdns.Mdns;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>A discovery that is never started: tests feed it packets through Handle and move its clock.</summary>
public sealed class TestDiscovery : IDisposable
{
    private readonly Meter _meter = new("test.mdns." + Guid.NewGuid().ToString("N"));

    public TestDiscovery(MdnsOptions? options = null, CollectingLogger? logger = null)
    {
        Logger = logger ?? new CollectingLogger();
        Discovery = new MdnsDiscovery(options ?? MdnsOptions.Default, new MdnsMetrics(_meter), Time, Logger);
        Discovery.PeerDiscovered += p => Discovered.Add(p);
        Discovery.PeerExpired += id => Expired.Add(id.ToString());
    }

    public ManualTimeProvider Time { get; } = new();

    public CollectingLogger Logger { get; }

    internal MdnsDiscovery Discovery { get; }

    public List<DiscoveredPeer> Discovered { get; } = [];

    public List<string> Expired { get; } = [];

    public void Dispose()
    {
        Discovery.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _meter.Dispose();
    }
}
