using PluginMesh.Host.Policies.Scripting;

namespace PluginMesh.Host.Policies;

/// <summary>One call of a policy function on JSON input, for <c>pluginmesh policy eval &lt;function&gt; --file &lt;file.js&gt; --input '&lt;json&gt;'</c>.</summary>
public static class PolicyEvaluator
{
    /// <summary>The function names <see cref="Evaluate(string, string, string)"/> accepts.</summary>
    public static IReadOnlyList<string> Functions { get; } = PolicyBinding.All.Select(b => b.FunctionName).ToList();

    /// <summary>
    /// Loads <paramref name="file"/> in the sandbox exactly as the engine does and calls <paramref name="function"/> once.
    /// </summary>
    /// <returns>The script's validated answer as JSON; or, when the script cannot answer (load error, exception,
    /// limit, invalid answer), the default's answer with <c>"fallback":true</c> and the reason.</returns>
    /// <exception cref="ArgumentException"><paramref name="function"/> is not a policy function.</exception>
    /// <exception cref="PolicyInputException"><paramref name="inputJson"/> does not match the input record; the message names the field.</exception>
    public static PolicyEvaluation Evaluate(string function, string file, string inputJson) =>
        Evaluate(function, file, inputJson, new PolicyEngineOptions { Directory = "." });

    /// <summary>Same as <see cref="Evaluate(string, string, string)"/> with the limits of <paramref name="options"/>.</summary>
    public static PolicyEvaluation Evaluate(string function, string file, string inputJson, PolicyEngineOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(function);
        ArgumentException.ThrowIfNullOrWhiteSpace(file);
        ArgumentNullException.ThrowIfNull(inputJson);
        ArgumentNullException.ThrowIfNull(options);
        var binding = PolicyBinding.ByFunction(function)
            ?? throw new ArgumentException($"unknown policy function '{function}' (known: {string.Join(", ", Functions)})", nameof(function));
        return binding.EvaluateJson(file, inputJson, options);
    }
}
