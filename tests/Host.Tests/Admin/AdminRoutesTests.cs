using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Hosting;

namespace PluginMesh.Host.Tests.Admin;

/// <summary>Routes plugins contribute (IAdminRoute) on the agent's admin endpoint, through a real agent and a test plugin.</summary>
public sealed class AdminRoutesTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private AgentPlan Plan(string routesYaml = "{}") => AgentHost.Plan(_tmp.File("agent.yaml", $"""
        profile: none
        node:
          name: routes-node
          dataDir: {_tmp.Path}/data
        admin:
          listen: 127.0.0.1:0
        logging:
          level: Critical
        plugins:
          test.routes: {routesYaml}
        """), new PluginDirectoryOptions([_tmp.Plugins("Routes")], SkipDefault: true), NullLogger.Instance);

    [Fact]
    public async Task Routes_AreMapped_QueryIn_StatusAndJsonBodyOut_ExceptionsAre500()
    {
        double livedBefore;
        using (var self = System.Diagnostics.Process.GetCurrentProcess()) livedBefore = (DateTime.UtcNow - self.StartTime.ToUniversalTime()).TotalSeconds;
        await using var app = AgentHost.Build(Plan());
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        using var echo = await http.GetAsync(new Uri("/echo?Target=a&count=2&count=3", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        var body = await echo.Content.ReadAsStringAsync();
        Assert.Contains("\n  ", body, StringComparison.Ordinal); // the options of /status: indented
        var query = JsonDocument.Parse(body).RootElement;
        Assert.Equal("a", query.GetProperty("Target").GetString());
        Assert.Equal("2", query.GetProperty("count").GetString()); // the first value

        using var teapot = await http.GetAsync(new Uri("/teapot", UriKind.Relative));
        Assert.Equal(418, (int)teapot.StatusCode);
        Assert.Equal("short and stout", JsonDocument.Parse(await teapot.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());

        using var boom = await http.GetAsync(new Uri("/boom", UriKind.Relative));
        Assert.Equal(HttpStatusCode.InternalServerError, boom.StatusCode);
        Assert.Equal("InvalidOperationException: boom", JsonDocument.Parse(await boom.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        using var status = await http.GetAsync(new Uri("/status", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, status.StatusCode); // one broken route does not take the endpoint down

        // Sections that fail only while written out are that section's error, never a 500 for /status.
        var doc = JsonDocument.Parse(await status.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("InvalidOperationException: changed while read", doc.GetProperty("test.lazy").GetProperty("error").GetString());
        Assert.Equal("NaN", doc.GetProperty("test.nan").GetProperty("rate").GetString());
        Assert.Equal("routes-node", doc.GetProperty("node").GetProperty("name").GetString());
        // Uptime is the process's: at least as long as this test process has lived before the agent was built.
        Assert.True(doc.GetProperty("node").GetProperty("uptimeSeconds").GetDouble() >= livedBefore - 0.1, doc.GetProperty("node").ToString());
        await app.StopAsync();
    }

    [Theory]
    [InlineData("/status", "is taken by host")]
    [InlineData("/ECHO", "is taken by PluginMesh.TestPlugins.RoutesPlugin+Route")]
    [InlineData("echo2", "does not start with '/'")]
    public void Build_APathThatIsNotFree_StopsTheAgentNamingBoth(string path, string why)
    {
        var ex = Assert.Throws<PluginMeshException>(() => AgentHost.Build(Plan($"{{ extraPath: \"{path}\" }}")));
        Assert.Equal("host", ex.PluginId);
        Assert.Contains($"asks for '{path}', which {why}", ex.Message, StringComparison.Ordinal);
    }
}
