namespace PluginMesh.Demo;

/// <summary>A demo step that did not work; names the agent whose log explains it.</summary>
internal sealed class DemoException(string message, DemoAgent? agent) : Exception(message)
{
    public DemoAgent? Agent { get; } = agent;
}
