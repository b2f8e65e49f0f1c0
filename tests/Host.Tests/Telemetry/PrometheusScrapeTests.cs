using System.Collections;
using System.Net;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Configuration;
using PluginMesh.Host.Tests.Cli;

namespace PluginMesh.Host.Tests.Telemetry;

/// <summary><c>telemetry.prometheus.enabled</c>: <c>/metrics</c> on the admin endpoint, off by default, validated like every key.</summary>
public sealed class PrometheusScrapeTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private List<ConfigProblem> Bind(string yaml, out HostSettings settings)
    {
        var config = ConfigLoader.Load(_tmp.File("config.yaml", yaml), new Hashtable());
        var problems = new List<ConfigProblem>(config.Problems);
        settings = HostSettingsBinder.Bind(config.Root, problems);
        return problems;
    }

    [Fact]
    public void Defaults_LeavePrometheusOff()
    {
        Assert.Empty(Bind("profile: none", out var settings));
        Assert.False(settings.PrometheusEnabled);
    }

    [Theory]
    [InlineData("telemetry:\n  prometheus:\n    enabled: maybe", "telemetry.prometheus.enabled: 'maybe' is not true or false")]
    [InlineData("telemetry:\n  prometheus:\n    port: 9090", "telemetry.prometheus.port: unknown key; expected one of: enabled")]
    public void Validation_NamesTheKey(string yaml, string expected)
    {
        var problems = Bind("profile: none\n" + yaml, out _);
        Assert.Contains(problems, p => p.ToString() == expected);
    }

    [Fact]
    public async Task Up_WithPrometheusEnabled_ServesHostMetricsOnAdminEndpoint()
    {
        // A kernel-chosen port: a derived one collided with SingleNodeExampleTests' DNS port when the classes ran in parallel.
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var config = _tmp.File("prometheus.yaml", $"""
            profile: none
            node:
              name: prom-node
              dataDir: {_tmp.Path}/data
            admin:
              listen: 127.0.0.1:{port}
            telemetry:
              prometheus:
                enabled: true
            plugins:
              test.good:
                journal: {_tmp.Path}/j.txt
            """);
        using var agent = AgentProcessTests.Start("up", "--config", config, "--no-default-plugins", "--plugins-dir", _tmp.Plugins("Good"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            var body = "";
            var status = HttpStatusCode.ServiceUnavailable;
            for (var i = 0; i < 300 && !agent.HasExited && !(status == HttpStatusCode.OK && body.Contains("pluginmesh_ready", StringComparison.Ordinal)); i++)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                    status = response.StatusCode;
                    body = await response.Content.ReadAsStringAsync();
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                if (!body.Contains("pluginmesh_ready", StringComparison.Ordinal)) await Task.Delay(100);
            }

            Assert.True(status == HttpStatusCode.OK, $"/metrics answered {status}; agent exited: {agent.HasExited}");
            Assert.Contains("pluginmesh_plugins{", body, StringComparison.Ordinal);
            Assert.Contains("state=\"running\"", body, StringComparison.Ordinal);
            Assert.Contains("pluginmesh_ready{", body, StringComparison.Ordinal);
            Assert.Contains("otel_scope_name=\"PluginMesh.Host\"", body, StringComparison.Ordinal);
            Assert.Contains("service_instance_id=\"prom-node\"", body, StringComparison.Ordinal);
        }
        finally
        {
            if (!agent.HasExited) agent.Kill(true);
        }
    }
}
