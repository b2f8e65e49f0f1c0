namespace PluginMesh.Deploy.Tests.Rendering;

/// <summary>A template called Sprig's <c>fail</c>: Helm stops the install with this message.</summary>
public sealed class TemplateFailedException : FormatException
{
    public TemplateFailedException()
    {
    }

    public TemplateFailedException(string message)
        : base(message)
    {
    }

    public TemplateFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
