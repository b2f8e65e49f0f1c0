using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary>
/// The one mechanism behind every policy hook: the script in one file answers when it is loaded and
/// gives a valid answer; otherwise the binding's built-in default answers that call.
/// </summary>
/// <remarks>
/// Thread-safe. Calls never throw for script problems: a syntax error keeps the last good version,
/// and an exception, a limit hit or an invalid answer makes the default answer that one call. The
/// first failure of each script version is logged, the rest are counted (and summarised once a minute)
/// so a broken script cannot flood the log.
/// </remarks>
internal sealed class ScriptedPolicy<TInput, TResult> : IScriptedPolicy
    where TInput : class
    where TResult : class
{
    private static readonly TimeSpan SummaryEvery = TimeSpan.FromMinutes(1);

    private readonly PolicyBinding<TInput, TResult> _binding;
    private readonly string _file;
    private readonly PolicyEngineOptions _options;
    private readonly PolicyEngineOptions _warmUpOptions;
    private readonly PolicyMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationToken _stopping;
    private readonly Lock _reloadLock = new();
    private readonly long _summaryEveryTicks;
    private volatile ScriptVersion? _active;
    private volatile string? _lastError;
    private string? _lastSeenHash;
    private bool _disposed;
    private long _calls;
    private long _errors;
    private long _fallbacks;
    private long _reloads;
    private long _warmUps;
    private long _warmUpFailures;

    public ScriptedPolicy(
        PolicyBinding<TInput, TResult> binding,
        string file,
        PolicyEngineOptions options,
        PolicyMetrics metrics,
        ILogger logger,
        TimeProvider time,
        CancellationToken stopping)
    {
        _binding = binding;
        _file = file;
        _options = options;
        _warmUpOptions = options with { TimeLimit = options.WarmUpTimeLimit };
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _stopping = stopping;
        _summaryEveryTicks = (long)(SummaryEvery.TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>Last load problem, or last call problem, since the last good load.</summary>
    public string? LastError => _lastError;

    /// <summary>True when a script version is active.</summary>
    public bool UsingScript => _active is not null;

    /// <summary>Warm-up calls that ran to completion, one per loaded version at most.</summary>
    public long WarmUps => Interlocked.Read(ref _warmUps);

    /// <summary>Warm-up calls that failed (exception, limit, top level); they never reject a version.</summary>
    public long WarmUpFailures => Interlocked.Read(ref _warmUpFailures);

    public TResult Invoke(TInput input) => Invoke(input, out _);

    /// <param name="input">The call's input.</param>
    /// <param name="fallbackReason">Why the default answered although a script is active; null when the script answered or none is loaded.</param>
    public TResult Invoke(TInput input, out string? fallbackReason)
    {
        ArgumentNullException.ThrowIfNull(input);
        var started = _time.GetTimestamp();
        Interlocked.Increment(ref _calls);
        fallbackReason = null;
        var version = _active;
        // The default runs outside the script's try/catch: a bug there must surface, not be swallowed.
        var result = (version is null ? null : InvokeScript(version, input, out fallbackReason)) ?? _binding.Default(input);
        _metrics.Call(_binding.FunctionName, _time.GetElapsedTime(started).TotalMilliseconds);
        return result;
    }

    public void Reload()
    {
        lock (_reloadLock)
        {
            if (_disposed)
            {
                return;
            }

            byte[]? bytes;
            try
            {
                bytes = File.ReadAllBytes(_file);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                bytes = null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Possibly mid-write or mid-swap; the next poll reads it again.
                PolicyLog.ReadFailed(_logger, _file, ex.Message);
                return;
            }

            if (bytes is null)
            {
                RemoveActive();
                return;
            }

            var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (hash == _lastSeenHash)
            {
                return;
            }

            _lastSeenHash = hash;
            Load(hash, Decode(bytes));
        }
    }

    public PolicyScriptStatus Status()
    {
        var version = _active;
        return new PolicyScriptStatus(
            _binding.Name,
            _file,
            _binding.FunctionName,
            version?.ShortHash,
            version?.LoadedAt,
            _lastError,
            Interlocked.Read(ref _calls),
            Interlocked.Read(ref _errors),
            Interlocked.Read(ref _fallbacks),
            Interlocked.Read(ref _reloads),
            version is null ? "default" : "script");
    }

    public void Dispose()
    {
        lock (_reloadLock)
        {
            _disposed = true;
            var previous = _active;
            _active = null;
            if (previous is not null)
            {
                Retire(previous);
            }
        }
    }

    private TResult? InvokeScript(ScriptVersion version, TInput input, out string? fallbackReason)
    {
        string reason;
        string message;
        SandboxInstance? sandbox = null;
        try
        {
            sandbox = version.Rent();
            var engine = sandbox.Engine;
            var answer = engine.Invoke(sandbox.Function, JsValue.Undefined, [_binding.ToJs(engine, input)]);
            var result = _binding.FromJs(answer, input, out var error);
            // The engine finished normally, so it is reusable whether or not its answer was valid.
            version.Return(sandbox);
            if (result is not null)
            {
                fallbackReason = null;
                return result;
            }

            reason = "invalid-result";
            message = $"{_file}: invalid result from {_binding.FunctionName}: {error}";
        }
        catch (PolicyLoadException ex)
        {
            reason = ex.Reason;
            message = ex.Message;
        }
#pragma warning disable CA1031 // Anything the script causes must become a fallback, never an exception in protocol code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // A limit may have stopped the script half-way through changing its own globals: never reuse that engine.
            sandbox?.Dispose();
            reason = ScriptFailure.Reason(ex);
            message = ScriptFailure.Describe(ex, _file);
        }

        RecordFailure(version, reason, message);
        fallbackReason = $"{reason}: {message}";
        return null;
    }

    private void RecordFailure(ScriptVersion version, string reason, string message)
    {
        Interlocked.Increment(ref _errors);
        Interlocked.Increment(ref _fallbacks);
        _lastError = message;
        _metrics.Error(_binding.FunctionName, reason);
        _metrics.Fallback(_binding.FunctionName, reason);

        var now = _time.GetTimestamp();
        if (version.ClaimFirstFailureLog(now, _summaryEveryTicks))
        {
            PolicyLog.CallFailed(_logger, _binding.FunctionName, _file, version.ShortHash, reason, message);
            return;
        }

        var pending = version.CountSuppressedFailure(now, _summaryEveryTicks);
        if (pending > 0)
        {
            PolicyLog.FailuresSuppressed(_logger, _binding.FunctionName, _file, version.ShortHash, pending);
        }
    }

    private void Load(string hash, string source)
    {
        ScriptVersion version;
        try
        {
            // Parse and run the top level before swapping, so a bad file never replaces a good one.
            var prepared = Sandbox.Prepare(source, _file);
            // Warm up first: the check below and the first real call then run on warm code, not cold.
            WarmUp(prepared);
            var first = Sandbox.Instantiate(prepared, _file, _binding.FunctionName, _options, _stopping);
            version = new ScriptVersion(
                hash,
                _time.GetUtcNow(),
                () => Sandbox.Instantiate(prepared, _file, _binding.FunctionName, _options, _stopping),
                _options.EffectiveMaxIdleSandboxes);
            version.Return(first);
        }
        catch (PolicyLoadException ex)
        {
            Interlocked.Increment(ref _errors);
            _lastError = ex.Message;
            _metrics.Error(_binding.FunctionName, ex.Reason);
            var kept = _active is { } active ? "version " + active.ShortHash : "the built-in default";
            PolicyLog.Rejected(_logger, _file, kept, ex.Message);
            return;
        }

        var previous = _active;
        _active = version;
        _lastError = null;
        Interlocked.Increment(ref _reloads);
        PolicyLog.Loaded(_logger, _file, version.ShortHash, _binding.FunctionName);
        if (previous is not null)
        {
            Retire(previous);
        }
    }

    /// <summary>
    /// One call with the binding's representative input in a throw-away sandbox, right after a version is
    /// parsed. The first run of a script pays for the interpreter's cold paths (JIT compilation of Jint's
    /// code and ours, lazily built intrinsics), which on a loaded machine exceeds the per-call time limit;
    /// JIT-compiled code is shared by every engine of the process, so afterwards the pooled sandboxes
    /// answer warm. The warm-up gets a wall-clock budget of <see cref="PolicyEngineOptions.WarmUpTimeLimit"/>
    /// and the normal statement, memory and recursion limits. Its answer is discarded; its failure is only
    /// counted and logged (Debug): whether the version is accepted is decided by the checks that follow,
    /// under the normal limits, exactly as without a warm-up. It does not count as a call in status or metrics.
    /// </summary>
    private void WarmUp(Jint.Prepared<Acornima.Ast.Script> prepared)
    {
        var started = _time.GetTimestamp();
        SandboxInstance? sandbox = null;
        try
        {
            sandbox = Sandbox.Instantiate(prepared, _file, _binding.FunctionName, _warmUpOptions, _stopping);
            var engine = sandbox.Engine;
            var input = _binding.WarmUpInput;
            var answer = engine.Invoke(sandbox.Function, JsValue.Undefined, [_binding.ToJs(engine, input)]);
            // Validating the answer warms that path too; an invalid answer is the calls' business, not the warm-up's.
            _ = _binding.FromJs(answer, input, out _);
            Interlocked.Increment(ref _warmUps);
            PolicyLog.WarmedUp(_logger, _file, _binding.FunctionName, _time.GetElapsedTime(started).TotalMilliseconds);
        }
#pragma warning disable CA1031 // Best effort: nothing the warm-up meets may reject a version or reach the caller.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _warmUpFailures);
            var message = ex is PolicyLoadException load ? load.Message : ScriptFailure.Describe(ex, _file);
            PolicyLog.WarmUpFailed(_logger, _file, _binding.FunctionName, _time.GetElapsedTime(started).TotalMilliseconds, message);
        }
        finally
        {
            sandbox?.Dispose();
        }
    }

    private void RemoveActive()
    {
        _lastSeenHash = null;
        var previous = _active;
        if (previous is null)
        {
            return;
        }

        // Deleting the file is how an operator goes back to the built-in behaviour.
        _active = null;
        _lastError = null;
        Interlocked.Increment(ref _reloads);
        PolicyLog.Removed(_logger, _file, _binding.FunctionName);
        Retire(previous);
    }

    private void Retire(ScriptVersion version)
    {
        var suppressed = version.TakeSuppressedFailures();
        if (suppressed > 0)
        {
            PolicyLog.FailuresSuppressed(_logger, _binding.FunctionName, _file, version.ShortHash, suppressed);
        }

        version.Dispose();
    }

    private static string Decode(byte[] bytes)
    {
        // Editors on some platforms write a UTF-8 byte order mark; the parser must not see it.
        ReadOnlySpan<byte> span = bytes;
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            span = span[3..];
        }

        return Encoding.UTF8.GetString(span);
    }
}
