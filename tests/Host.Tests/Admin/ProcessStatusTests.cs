using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Host.Hosting;

namespace PluginMesh.Host.Tests.Admin;

/// <summary>The <c>process</c> section of <c>/status</c> (issue 15), read from a real agent with a real plugin loaded.</summary>
public sealed class ProcessStatusTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public async Task Status_ShowsResidentMemory_GcHeap_Jit_AndTheLoadContextOfEachPlugin()
    {
        var plan = AgentHost.Plan(_tmp.File("agent.yaml", $"""
            profile: none
            node:
              name: process-node
              dataDir: {_tmp.Path}/data
            admin:
              listen: 127.0.0.1:0
            logging:
              level: Critical
            plugins:
              test.routes: {"{}"}
            """), new PluginDirectoryOptions([_tmp.Plugins("Routes")], SkipDefault: true), NullLogger.Instance);
        await using var app = AgentHost.Build(plan);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        using var response = await http.GetAsync(new Uri("/status", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var process = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("process");

        var rss = process.GetProperty("rss");
        var resident = rss.GetProperty("residentBytes").GetInt64();
        Assert.True(resident > 0, rss.ToString());
        // The parts of VmRSS add up to it (the kernel reads all four from the same counters).
        Assert.Equal(resident, rss.GetProperty("anonymousBytes").GetInt64() + rss.GetProperty("fileBytes").GetInt64() + rss.GetProperty("sharedMemoryBytes").GetInt64());
        var gc = process.GetProperty("gc");
        Assert.True(gc.GetProperty("heapSizeBytes").GetInt64() > 0, gc.ToString());
        Assert.True(gc.GetProperty("committedBytes").GetInt64() >= gc.GetProperty("heapSizeBytes").GetInt64() - gc.GetProperty("fragmentedBytes").GetInt64(), gc.ToString());
        Assert.Equal(3, gc.GetProperty("collections").GetArrayLength());
        Assert.Equal(["gen0", "gen1", "gen2", "loh", "poh"], gc.GetProperty("generations").EnumerateArray().Select(g => g.GetProperty("name").GetString()));
        Assert.True(gc.GetProperty("allocatedBytes").GetInt64() >= gc.GetProperty("heapSizeBytes").GetInt64() - gc.GetProperty("fragmentedBytes").GetInt64(), gc.ToString());
        Assert.True(process.GetProperty("jit").GetProperty("methods").GetInt64() > 0);
        // By name, summed: other tests in this process load the same plugins in load contexts of the same name.
        var contexts = process.GetProperty("loadContexts").EnumerateArray()
            .GroupBy(c => c.GetProperty("name").GetString()!, c => c.GetProperty("assemblies").GetInt32())
            .ToDictionary(g => g.Key, g => g.Sum());
        Assert.True(contexts["Default"] > 0);
        // The test plugin's own load context holds its assembly.
        Assert.Contains(contexts, c => c.Key.Contains("Routes", StringComparison.Ordinal) && c.Value >= 1);
        await app.StopAsync();
    }
}
