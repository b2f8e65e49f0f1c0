namespace PluginMesh.Host.Policies;

/// <summary>Outcome of <see cref="PolicyEvaluator.Evaluate"/>.</summary>
/// <param name="Json">
/// The answer as camelCase JSON, e.g. <c>{"action":"retry","delayMs":100}</c>; when the script could not
/// answer, the default's answer plus <c>"fallback":true</c> and <c>"reason"</c>.
/// </param>
/// <param name="Fallback">True when the built-in default answered.</param>
/// <param name="Reason">Why it fell back (<c>timeout: file.js: time limit exceeded</c>, …); null otherwise.</param>
public sealed record PolicyEvaluation(string Json, bool Fallback, string? Reason);
