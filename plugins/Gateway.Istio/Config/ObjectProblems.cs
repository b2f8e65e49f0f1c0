namespace PluginMesh.Plugins.Gateway.Istio.Config;

/// <summary>Collects the warnings about one object, each prefixed with it (<c>Gateway istio-system/public</c>) and the field.</summary>
/// <param name="Subject">The object, as <c>Kind namespace/name</c>.</param>
/// <param name="Sink">Where warnings go (the configuration's list).</param>
internal sealed record ObjectProblems(string Subject, List<string> Sink)
{
    /// <summary>Records a problem with <paramref name="path"/> (empty: the whole object).</summary>
    public void Warn(string path, string problem) =>
        Sink.Add(path.Length == 0 ? $"{Subject}: {problem}" : $"{Subject}: {path}: {problem}");
}
