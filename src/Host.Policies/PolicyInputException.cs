namespace PluginMesh.Host.Policies;

/// <summary>Input JSON given to <see cref="PolicyEvaluator"/> does not match the policy's input record.</summary>
/// <remarks>The message names the offending field as a path, e.g. <c>input.candidates[0].peerId: required field missing</c>.</remarks>
public sealed class PolicyInputException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PolicyInputException()
    {
    }

    /// <summary>Creates the exception with a message naming the field.</summary>
    public PolicyInputException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message naming the field and its cause.</summary>
    public PolicyInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
