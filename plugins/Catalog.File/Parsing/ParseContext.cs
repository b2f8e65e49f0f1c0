namespace PluginMesh.Plugins.Catalog.File.Parsing;

/// <summary>Collects problems for one parse so that a file with several mistakes is fixed in one round.</summary>
internal sealed class ParseContext(string file)
{
    private readonly List<FileCatalogProblem> _problems = [];

    public string File { get; } = file;

    public IReadOnlyList<FileCatalogProblem> Problems => _problems;

    public void Error(YamlNode node, string field, string message) =>
        _problems.Add(new FileCatalogProblem(File, (int)node.Start.Line, (int)node.Start.Column, field, message));

    public void Error(int line, int column, string field, string message) =>
        _problems.Add(new FileCatalogProblem(File, line, column, field, message));
}
