using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>Keeps formatted log lines at Information and above.</summary>
public sealed class CollectingLogger : ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel)) Lines.Enqueue(formatter(state, exception));
    }
}
