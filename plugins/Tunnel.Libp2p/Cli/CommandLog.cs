using Microsoft.Extensions.Logging;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli;

/// <summary>
/// Logs of a diagnostic command's node on its stderr, one line each (<c>level category: message</c>),
/// so a failed hole punch or refused reservation says why; stdout stays JSON only.
/// </summary>
internal sealed class CommandLog(TextWriter error, LogLevel minimum) : ILoggerFactory
{
    private readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var line = $"{LevelText(level)} {category}: {message}" + (exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})");
        lock (_lock) error.WriteLine(line);
    }

    private static string LevelText(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    private sealed class Logger(CommandLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) owner.Write(logLevel, category, formatter(state, exception), exception);
        }
    }

    private readonly LogLevel _minimum = minimum;
}
