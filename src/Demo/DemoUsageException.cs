namespace PluginMesh.Demo;

/// <summary>A command line that does not fit <see cref="DemoCommand.Usage"/>; the host reports it as a usage error (exit code 2).</summary>
public sealed class DemoUsageException(string message) : Exception(message);
