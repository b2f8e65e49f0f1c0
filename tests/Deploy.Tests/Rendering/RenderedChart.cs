namespace PluginMesh.Deploy.Tests.Rendering;

/// <summary>The output of a render: each template's text (NOTES.txt included) and the parsed objects in install order.</summary>
public sealed record RenderedChart(IReadOnlyDictionary<string, string> Texts, IReadOnlyList<Dictionary<string, object?>> Documents)
{
    /// <summary>Every rendered template file's text, for failure messages (the plain manifests are these texts).</summary>
    public string AllText() => string.Join("\n", Texts.Select(t => $"# --- templates/{t.Key}\n{t.Value}"));

    public Dictionary<string, object?> Single(string kind, string name) =>
        Documents.Single(d => (string?)d["kind"] == kind && (string?)((Dictionary<string, object?>)d["metadata"]!)["name"] == name);
}
