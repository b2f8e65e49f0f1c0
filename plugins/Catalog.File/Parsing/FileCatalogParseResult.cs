namespace PluginMesh.Plugins.Catalog.File.Parsing;

/// <summary>Outcome of parsing a catalog file: a state when there is no problem, otherwise every problem found.</summary>
/// <param name="State">The catalog, or null when <paramref name="Problems"/> is not empty.</param>
/// <param name="Problems">Every problem, in file order.</param>
public sealed record FileCatalogParseResult(FileCatalogState? State, IReadOnlyList<FileCatalogProblem> Problems)
{
    /// <summary>Entries of <c>resources:</c> left out because they are not usable Kubernetes objects; the rest of the file loads.</summary>
    public IReadOnlyList<FileCatalogProblem> Skipped { get; init; } = [];

    /// <summary>True when the file is usable.</summary>
    public bool Success => State is not null && Problems.Count == 0;
}
