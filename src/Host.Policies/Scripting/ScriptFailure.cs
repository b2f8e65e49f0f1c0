using Jint.Runtime;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary>Names what went wrong inside a script, for logs, status and metric attributes.</summary>
internal static class ScriptFailure
{
    /// <summary>True for what a script can cause; anything else is a host bug and must surface.</summary>
    public static bool IsScriptFailure(Exception ex) =>
        ex is JintException or TimeoutException or OperationCanceledException or Acornima.ParseErrorException
            // Jint reports some engine-level misuse (e.g. a value it cannot convert) this way.
            or InvalidOperationException or ArgumentException;

    /// <summary>Metric reason for a failed call.</summary>
    public static string Reason(Exception ex) => ex switch
    {
        TimeoutException => "timeout",
        StatementsCountOverflowException => "statements",
        MemoryLimitExceededException => "memory",
        RecursionDepthOverflowException => "recursion",
        ExecutionCanceledException or OperationCanceledException => "cancelled",
        JavaScriptException => "exception",
        _ => "error",
    };

    /// <summary><c>file:line:col: message</c> when Jint knows where, otherwise <c>file: message</c>.</summary>
    /// <remarks>
    /// Never converts the thrown JavaScript value to a string: that would call the script's own
    /// <c>toString</c> or getters outside the call's limits (a looping <c>toString</c> would hang the caller).
    /// Jint computed <see cref="Exception.Message"/> while the limits still applied.
    /// </remarks>
    public static string Describe(Exception ex, string displayName)
    {
        var what = ex switch
        {
            TimeoutException => "time limit exceeded",
            StatementsCountOverflowException => "statement limit exceeded",
            MemoryLimitExceededException => "memory limit exceeded: " + ex.Message,
            RecursionDepthOverflowException => "recursion limit exceeded",
            ExecutionCanceledException or OperationCanceledException => "cancelled (engine stopping)",
            JavaScriptException => "uncaught " + ex.Message,
            _ => ex.Message,
        };
        if (JintException.TryGetJavaScriptLocation(ex, out var location) && location.Start.Line > 0)
        {
            return $"{displayName}:{location.Start.Line}:{location.Start.Column + 1}: {what}";
        }

        return $"{displayName}: {what}";
    }
}
