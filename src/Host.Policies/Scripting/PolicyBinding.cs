using System.Text;
using Microsoft.Extensions.Logging.Abstractions;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary>One policy hook as the engine sees it: its file, its function, and nothing typed.</summary>
/// <remarks>
/// The one generic mechanism (<see cref="ScriptedPolicy{TInput, TResult}"/>) runs every hook; a binding only
/// says how its record crosses into JavaScript and back, and which default answers when the script cannot.
/// </remarks>
internal abstract class PolicyBinding(string name, string functionName)
{
    /// <summary>All hooks, in the order status lists them.</summary>
    public static IReadOnlyList<PolicyBinding> All { get; } =
    [
        RelaySelectionBinding.Instance,
        FailoverBinding.Instance,
        ResyncBinding.Instance,
        EndpointBinding.Instance,
        RelayElectionBinding.Instance,
        RetireBinding.Instance,
    ];

    /// <summary>Policy name and file stem, e.g. <c>failover</c>.</summary>
    public string Name { get; } = name;

    /// <summary>Function the script defines, e.g. <c>onFailure</c>.</summary>
    public string FunctionName { get; } = functionName;

    public string FileName => Name + ".js";

    public static PolicyBinding? ByFunction(string functionName) =>
        All.FirstOrDefault(b => b.FunctionName == functionName);

    /// <summary>Runs one call of the script in <paramref name="file"/> on JSON input, for <c>pluginmesh policy eval</c>.</summary>
    public abstract PolicyEvaluation EvaluateJson(string file, string inputJson, PolicyEngineOptions options);
}

/// <summary>Typed half of a binding: conversions, validation and the default.</summary>
/// <param name="defaultPolicy">The built-in answer, used when no valid script answers.</param>
internal abstract class PolicyBinding<TInput, TResult>(string name, string functionName, Func<TInput, TResult> defaultPolicy)
    : PolicyBinding(name, functionName)
    where TInput : class
    where TResult : class
{
    /// <summary>The built-in answer, used when no valid script answers.</summary>
    public TResult Default(TInput input) => defaultPolicy(input);

    /// <summary>
    /// A representative input for the warm-up call made right after a script version is loaded, so that
    /// the first real call does not pay for interpreting and JIT-compiling the code paths cold.
    /// </summary>
    public abstract TInput WarmUpInput { get; }

    /// <summary>Builds the argument as plain JavaScript data (never a CLR object: its members would be callable).</summary>
    public Jint.Native.JsValue ToJs(Jint.Engine engine, TInput input) => InputRecord.ToJs(engine, input);

    /// <summary>Strictly validates the script's answer against <paramref name="input"/>; null plus an error when invalid.</summary>
    public abstract TResult? FromJs(Jint.Native.JsValue value, TInput input, out string? error);

    /// <summary>Reads the input record from JSON; throws <see cref="PolicyInputException"/> naming the field.</summary>
    public virtual TInput ParseInput(JsonElement root, string path) => InputRecord.Parse<TInput>(root, path);

    /// <summary>Writes the result's properties (camelCase, as the script returns them) into an open JSON object.</summary>
    public abstract void WriteResult(Utf8JsonWriter writer, TResult result);

    public override PolicyEvaluation EvaluateJson(string file, string inputJson, PolicyEngineOptions options)
    {
        var input = ParseInput(JsonFields.Parse(inputJson, FunctionName), "input");
        using var metrics = new PolicyMetrics();
        using var policy = new ScriptedPolicy<TInput, TResult>(this, file, options, metrics, NullLogger.Instance, TimeProvider.System, CancellationToken.None);
        policy.Reload();
        TResult result;
        string? fallbackReason;
        if (policy.UsingScript)
        {
            result = policy.Invoke(input, out fallbackReason);
        }
        else
        {
            result = Default(input);
            fallbackReason = "load: " + (policy.LastError ?? $"{file}: file not found");
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            writer.WriteStartObject();
            WriteResult(writer, result);
            if (fallbackReason is not null)
            {
                writer.WriteBoolean("fallback", true);
                writer.WriteString("reason", fallbackReason);
            }

            writer.WriteEndObject();
        }

        return new PolicyEvaluation(Encoding.UTF8.GetString(buffer.ToArray()), fallbackReason is not null, fallbackReason);
    }
}
