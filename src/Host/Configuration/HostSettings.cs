using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;

namespace PluginMesh.Host.Configuration;

/// <summary>Where the admin endpoint listens: a loopback TCP port or a unix socket.</summary>
internal sealed record AdminListen(System.Net.IPEndPoint? Tcp, string? UnixSocket)
{
    public override string ToString() => UnixSocket is not null ? "unix:" + UnixSocket : Tcp!.ToString();
}

/// <summary>OTLP export settings; <see cref="Endpoint"/> null disables export.</summary>
internal sealed record OtlpSettings(Uri? Endpoint, string Protocol, int ExportIntervalMs);

/// <summary>Host-level settings bound from configuration (plugin sections are validated by plugins).</summary>
internal sealed record HostSettings(
    NodeSettings Node,
    string Profile,
    IReadOnlyList<string> ProfilePlugins,
    AdminListen Admin,
    string ServiceName,
    OtlpSettings Otlp,
    LogLevel LogLevel,
    bool JsonLogs,
    int PolicyTimeLimitMs,
    int PolicyMaxStatements,
    long PolicyMemoryLimitBytes,
    int PolicyRecursionLimit,
    TimeSpan ShutdownTimeout)
{
    /// <summary><c>telemetry.prometheus.enabled</c>: serve <c>/metrics</c> (Prometheus text format) on the admin endpoint.</summary>
    public bool PrometheusEnabled { get; init; }

    /// <summary><c>node.pluginDirs</c>: absolute directories searched for plugins after the default one.</summary>
    public IReadOnlyList<string> PluginDirectories { get; init; } = [];

    /// <summary><c>node.defaultPlugins</c>: search the plugins shipped with pluginmesh (beside the binary, or its bundle).</summary>
    public bool DefaultPlugins { get; init; } = true;
}
