using System.Globalization;
using Acornima.Ast;
using Jint.Runtime;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary>Builds Jint engines that can run policy code and nothing else.</summary>
/// <remarks>
/// No CLR access: interop stays off (no <c>importNamespace</c>, no <c>System</c>) and no CLR object is
/// ever handed in with <c>SetValue</c>, since every public member of such an object would become
/// callable. String compilation is off (<c>eval</c>, <c>Function('…')</c> throw). Every limit throws a
/// catchable exception and leaves the process intact; the recursion limit matters most, because
/// without it deep recursion overflows the CLR stack, which nothing can catch.
/// </remarks>
internal static class Sandbox
{
    public static Engine CreateEngine(PolicyEngineOptions options, CancellationToken cancellation) =>
        new(o =>
        {
            o.DisableStringCompilation();
            o.TimeoutInterval(options.TimeLimit);
            o.MaxStatements(options.MaxStatements);
            o.LimitMemory(options.MemoryLimitBytes);
            o.LimitRecursion(options.RecursionLimit);
            o.CancellationToken(cancellation);
            // Jint's own regex budget is 10 s, a hundred calls' worth: a backtracking pattern gets the call's budget.
            o.Constraints.RegexTimeout = options.TimeLimit;
            // A sparse `new Array(4e9)` or `arr.length = n` costs nothing until one built-in (fill, join)
            // allocates it in a single step, past the memory limit's per-statement check.
            o.Constraints.MaxArraySize = options.MaxArrayLength;
            // Scripts must not depend on where the agent runs.
            o.Culture = CultureInfo.InvariantCulture;
            o.TimeZone = TimeZoneInfo.Utc;
        });

    /// <summary>Parses a script once; the result is thread-safe and shared by every engine of a version.</summary>
    /// <exception cref="PolicyLoadException">Syntax error, with file:line:col.</exception>
    public static Prepared<Script> Prepare(string source, string displayName)
    {
        try
        {
            return Engine.PrepareScript(source, displayName);
        }
        catch (ScriptPreparationException ex)
        {
            var message = ex.InnerException is Acornima.ParseErrorException parse
                ? $"{displayName}:{parse.LineNumber}:{parse.Column}: SyntaxError: {parse.Description}"
                : $"{displayName}: {ex.Message}";
            throw new PolicyLoadException(message, "syntax", ex);
        }
        catch (Acornima.ParseErrorException parse)
        {
            throw new PolicyLoadException($"{displayName}:{parse.LineNumber}:{parse.Column}: SyntaxError: {parse.Description}", "syntax", parse);
        }
    }

    /// <summary>Runs the script's top level in a fresh engine and finds <paramref name="functionName"/>.</summary>
    /// <exception cref="PolicyLoadException">The top level failed or hit a limit, or the function is missing.</exception>
    public static SandboxInstance Instantiate(
        Prepared<Script> script,
        string displayName,
        string functionName,
        PolicyEngineOptions options,
        CancellationToken cancellation)
    {
        var engine = CreateEngine(options, cancellation);
        try
        {
            engine.Execute(script);
            var function = engine.GetValue(functionName);
            if (!function.IsCallable())
            {
                throw new PolicyLoadException($"{displayName}: does not define function {functionName}", "missing-function");
            }

            return new SandboxInstance(engine, function);
        }
        catch (PolicyLoadException)
        {
            engine.Dispose();
            throw;
        }
        catch (Exception ex) when (ScriptFailure.IsScriptFailure(ex))
        {
            engine.Dispose();
            throw new PolicyLoadException(ScriptFailure.Describe(ex, displayName), "load", ex);
        }
    }

    /// <summary>Which of <paramref name="functionNames"/> the engine's global scope defines as functions.</summary>
    public static IReadOnlyList<string> DefinedFunctions(Engine engine, IEnumerable<string> functionNames) =>
        functionNames.Where(name => engine.GetValue(name).IsCallable()).ToList();
}
