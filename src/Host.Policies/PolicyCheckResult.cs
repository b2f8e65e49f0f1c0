namespace PluginMesh.Host.Policies;

/// <summary>Outcome of <see cref="PolicyCheck.Check"/>.</summary>
/// <param name="File">The file checked.</param>
/// <param name="Functions">Known policy functions the file defines (<c>rankRelays</c>, <c>onFailure</c>, <c>shouldResync</c>, <c>pickEndpoint</c>).</param>
/// <param name="Errors">Every problem found, each <c>file:line:col: message</c> when the position is known.</param>
public sealed record PolicyCheckResult(string File, IReadOnlyList<string> Functions, IReadOnlyList<string> Errors)
{
    /// <summary>True when the file loads and defines at least one known function.</summary>
    public bool Ok => Errors.Count == 0;
}
