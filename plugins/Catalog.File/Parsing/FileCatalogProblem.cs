namespace PluginMesh.Plugins.Catalog.File.Parsing;

/// <summary>One problem in a catalog file, located so that an operator can go straight to it.</summary>
/// <param name="File">The catalog file.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
/// <param name="Field">Path of the field, e.g. <c>services[0].ports[1].port</c>; empty for the whole document.</param>
/// <param name="Message">What is wrong.</param>
public sealed record FileCatalogProblem(string File, int Line, int Column, string Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() =>
        Field.Length == 0 ? $"{File}:{Line}:{Column}: {Message}" : $"{File}:{Line}:{Column}: {Field}: {Message}";
}
