using Microsoft.Extensions.Logging;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

/// <summary>An <see cref="ILogger{T}"/> that keeps every entry (level, event id, message) for assertions.</summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly Lock _gate = new();
    private readonly List<(LogLevel Level, EventId Id, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Entries
    {
        get { lock (_gate) return _entries.ToList(); }
    }

    /// <summary>Entries whose message contains <paramref name="text"/>.</summary>
    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Containing(string text) =>
        Entries.Where(e => e.Message.Contains(text, StringComparison.Ordinal)).ToList();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        lock (_gate) _entries.Add((logLevel, eventId, formatter(state, exception)));
    }
}
