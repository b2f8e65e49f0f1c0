using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PluginMesh.Host.Configuration;

namespace PluginMesh.Host.Telemetry;

/// <summary>
/// Every plugin gets a Meter and an ActivitySource named <c>PluginMesh.&lt;id&gt;</c>; the host's own
/// are <c>PluginMesh.Host</c> and <c>PluginMesh.Policies</c>. All are exported over OTLP when an
/// endpoint is configured, and metrics are served on the admin endpoint's <c>/metrics</c> when
/// <c>telemetry.prometheus.enabled</c> is true; with neither, no exporter (and no collection cost) is set up.
/// </summary>
internal static class TelemetrySetup
{
    public const string MeterPattern = "PluginMesh.*";

    public static void Configure(IServiceCollection services, HostSettings settings)
    {
        var otlp = settings.Otlp;
        if (otlp.Endpoint is null && !settings.PrometheusEnabled) return;
        var protocol = otlp.Protocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;

        var builder = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(settings.ServiceName, serviceVersion: ConfigLoader.AssemblyVersion(), serviceInstanceId: settings.Node.NodeName))
            .WithMetrics(m =>
            {
                m.AddMeter(MeterPattern);
                // The runtime's own: working set, GC heap and pauses, JIT, assemblies (the `process` status section's figures).
                m.AddMeter("System.Runtime");
                if (otlp.Endpoint is not null)
                {
                    m.AddOtlpExporter((e, reader) =>
                    {
                        e.Protocol = protocol;
                        e.Endpoint = SignalEndpoint(otlp.Endpoint, protocol, "v1/metrics");
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = otlp.ExportIntervalMs;
                    });
                }
                // Pull instead of push: the admin endpoint serves /metrics (mapped in AdminEndpoints).
                if (settings.PrometheusEnabled) m.AddPrometheusExporter();
            });
        if (otlp.Endpoint is null) return;
        builder.WithTracing(t => t
            .AddSource(MeterPattern)
            .AddOtlpExporter(e =>
            {
                e.Protocol = protocol;
                e.Endpoint = SignalEndpoint(otlp.Endpoint, protocol, "v1/traces");
            }));
    }

    // With http/protobuf an explicitly set endpoint is used as-is, so the signal path must be added.
    private static Uri SignalEndpoint(Uri baseUri, OtlpExportProtocol protocol, string path) =>
        protocol == OtlpExportProtocol.Grpc ? baseUri : new Uri(baseUri.ToString().TrimEnd('/') + "/" + path);
}
