namespace PluginMesh.Packaging.Tests;

/// <summary>
/// The suites that build src/Abstractions in Release (build/publish.sh, build/pack.sh) share its
/// bin/ and obj/ folders, so they run one after the other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ReleaseBuildCollection
{
    public const string Name = "Release builds";
}
