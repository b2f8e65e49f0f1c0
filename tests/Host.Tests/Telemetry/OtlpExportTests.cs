using System.Text;
using PluginMesh.Host.Tests.Cli;

namespace PluginMesh.Host.Tests.Telemetry;

public sealed class OtlpExportTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public async Task Up_WithOtlpEndpoint_ExportsHostMetricsAndStartTraces()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var config = _tmp.File("otlp.yaml", $"""
            profile: none
            node:
              name: otlp-node
              dataDir: {_tmp.Path}/data
            admin:
              listen: 127.0.0.1:0
            telemetry:
              otlp:
                endpoint: {receiver.Endpoint}
                exportIntervalMs: 1000
            plugins:
              test.good:
                journal: {_tmp.Path}/j.txt
            """);
        using var agent = AgentProcessTests.Start("up", "--config", config, "--no-default-plugins", "--plugins-dir", _tmp.Plugins("Good"));
        try
        {
            bool Has(string path, string text) => receiver.Received.Any(r =>
                r.Path == path && r.ContentType.StartsWith("application/x-protobuf", StringComparison.Ordinal) && Contains(r.Body, text));
            for (var i = 0; i < 300 && !(Has("/v1/metrics", "pluginmesh.plugins") && Has("/v1/traces", "pluginmesh.agent.start")) && !agent.HasExited; i++)
                await Task.Delay(100);

            Assert.True(Has("/v1/metrics", "pluginmesh.plugins"), "no OTLP metrics with pluginmesh.plugins arrived");
            Assert.True(Has("/v1/metrics", "PluginMesh.Host"), "the metrics carry no PluginMesh.Host scope");
            Assert.True(Has("/v1/traces", "pluginmesh.agent.start"), "no OTLP trace with the start span arrived");
            Assert.True(Has("/v1/traces", "otlp-node"), "the resource does not name the node");
        }
        finally
        {
            if (!agent.HasExited) agent.Kill(true);
        }
    }

    // Names travel as protobuf strings: their UTF-8 bytes appear verbatim in the payload.
    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
