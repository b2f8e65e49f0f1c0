using System.Diagnostics;
using System.Net;
using PluginMesh.Plugins.Proxy.Iptables.Rules;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;
using Xunit.Abstractions;
using static PluginMesh.Plugins.Proxy.Iptables.Tests.Support.CatalogBuilder;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Netns;

/// <summary>
/// 5 000 services: correctness is asserted (rule count); the sync times are reported in the test
/// output, not asserted (timing thresholds in tests are flaky on a shared machine).
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class LargeCatalogSyncTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("iptables-nft")]
    [InlineData("iptables-legacy")]
    public async Task FiveThousandServices_Install_Incremental_Rewrite_AllRulesPresent(string binary)
    {
        using var ns = TestNetns.Create();
        var catalog = new FakeCatalog();
        catalog.Publish(Services(5000, 0));
        var options = new ProxyOptions { Mode = ProxyMode.Iptables, Netns = ns.Name, IptablesBinary = binary, TcpPort = 15001 };

        var started = Stopwatch.StartNew();
        await using var proxy = await ProxyHarness.StartAsync(options, ProxyMode.Iptables, catalog);
        var startMs = started.Elapsed.TotalMilliseconds;
        var install = proxy.Interceptor!.State;
        Assert.Equal(5000, install.Rules);
        Assert.Equal(5000, SavedNatState.Parse(IptablesModeTests.Save(ns, binary)).Rules.Count);

        // One service added and one removed: a small diff.
        await proxy.PublishAsync(Services(5000, 1));
        var incremental = proxy.Interceptor.State;
        Assert.Equal("incremental", proxy.Interceptor.LastSyncKind);

        // Every listener port changes meaning for half the services: a rewrite of our chain.
        await proxy.PublishAsync(Services(2500, 2500));
        var rewrite = proxy.Interceptor.State;
        Assert.Equal("rewrite", proxy.Interceptor.LastSyncKind);
        var saved = SavedNatState.Parse(IptablesModeTests.Save(ns, binary));
        Assert.Equal(2500, saved.Rules.Count);
        Assert.True(saved.JumpsFirst);

        output.WriteLine($"{binary}: install 5000 rules {install.LastSyncDuration!.Value.TotalMilliseconds:F0} ms (proxy start incl. catalog apply {startMs:F0} ms); " +
                         $"incremental +1/-1 {incremental.LastSyncDuration!.Value.TotalMilliseconds:F0} ms; rewrite to 2500 {rewrite.LastSyncDuration!.Value.TotalMilliseconds:F0} ms");
        await File.AppendAllTextAsync(Path.Combine(Path.GetTempPath(), "pluginmesh-proxy-sync.txt"),
            $"{DateTime.UtcNow:O} {binary} install5000={install.LastSyncDuration.Value.TotalMilliseconds:F0}ms start={startMs:F0}ms incremental={incremental.LastSyncDuration.Value.TotalMilliseconds:F0}ms rewrite2500={rewrite.LastSyncDuration.Value.TotalMilliseconds:F0}ms\n");
    }

    private static CatalogBuilder Services(int count, int offset)
    {
        var b = new CatalogBuilder();
        for (var i = offset; i < offset + count; i++)
        {
            var name = "svc-" + i;
            b.Service(name, new IPAddress([10, 96, (byte)(i >> 8), (byte)i]).ToString(), [Tcp(80, 8080)]);
        }
        return b;
    }
}
