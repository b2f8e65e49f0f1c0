namespace PluginMesh.Host.Policies.Scripting;

/// <summary>A script was rejected at load: syntax error, top-level failure, or its function is missing.</summary>
/// <remarks>The message names the file, and line and column when the parser or Jint knows them.</remarks>
internal sealed class PolicyLoadException : Exception
{
    public PolicyLoadException(string message, string reason, Exception? inner = null)
        : base(message, inner) => Reason = reason;

    public PolicyLoadException()
    {
        Reason = "load";
    }

    public PolicyLoadException(string message)
        : base(message) => Reason = "load";

    public PolicyLoadException(string message, Exception inner)
        : base(message, inner) => Reason = "load";

    /// <summary>Metric reason: <c>syntax</c>, <c>load</c> or <c>missing-function</c>.</summary>
    public string Reason { get; }
}
