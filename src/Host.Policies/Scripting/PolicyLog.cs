using Microsoft.Extensions.Logging;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary>Source-generated log messages of the policy engine.</summary>
internal static partial class PolicyLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "policies: {File} version {Version} active ({Function})")]
    public static partial void Loaded(ILogger logger, string file, string version, string function);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "policies: rejected {File}, keeping {Active}: {Error}")]
    public static partial void Rejected(ILogger logger, string file, string active, string error);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "policies: {File} removed, the built-in default answers {Function}")]
    public static partial void Removed(ILogger logger, string file, string function);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "policies: {Function} in {File} version {Version} failed ({Reason}), the default answered: {Error}; further failures of this version are counted, not logged")]
    public static partial void CallFailed(ILogger logger, string function, string file, string version, string reason, string error);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "policies: {Function} in {File} version {Version} failed {Count} more times since the first")]
    public static partial void FailuresSuppressed(ILogger logger, string function, string file, string version, long count);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "policies: cannot read {File}, will retry: {Error}")]
    public static partial void ReadFailed(ILogger logger, string file, string error);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "policies: not watching {Directory} for events, polling only: {Error}")]
    public static partial void WatchUnavailable(ILogger logger, string directory, string error);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "policies: rescan of {Directory} failed")]
    public static partial void RescanFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Debug, Message = "policies: {File} warmed up ({Function}, {ElapsedMs:F1} ms)")]
    public static partial void WarmedUp(ILogger logger, string file, string function, double elapsedMs);

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "policies: warm-up call of {Function} in {File} failed after {ElapsedMs:F1} ms (the version is judged by its load checks and calls, not by this): {Error}")]
    public static partial void WarmUpFailed(ILogger logger, string file, string function, double elapsedMs, string error);
}
