using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using PluginMesh.Host.Configuration;

namespace PluginMesh.Host.Telemetry;

/// <summary>Structured console logs: one line per event, text or JSON, to standard error so standard output stays for command results.</summary>
internal static class LoggingSetup
{
    public static void Configure(ILoggingBuilder logging, HostSettings settings) => Configure(logging, settings.LogLevel, settings.JsonLogs);

    public static void Configure(ILoggingBuilder logging, LogLevel level, bool json)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(level);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (json) logging.AddJsonConsole(o => { o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; o.UseUtcTimestamp = true; });
        else logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; o.UseUtcTimestamp = true; });
    }

    /// <summary>A plugin command's node: one line per event on the command's standard error.</summary>
    public static void Configure(ILoggingBuilder logging, LogLevel level, TextWriter to)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(level);
        logging.AddProvider(new TextWriterLoggerProvider(to));
    }
}
