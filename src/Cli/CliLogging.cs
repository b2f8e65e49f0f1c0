using Microsoft.Extensions.Logging;
using PluginMesh.Host.Telemetry;

namespace PluginMesh.Cli;

/// <summary>Loggers for commands that run before an agent is composed: the agent's text format, on standard error.</summary>
internal static class CliLogging
{
    public static ILoggerFactory Factory(LogLevel level = LogLevel.Warning) =>
        LoggerFactory.Create(b => LoggingSetup.Configure(b, level, json: false));
}
