namespace PluginMesh.Mesh.E2E.Tests;

/// <summary>
/// The end-to-end tests run one at a time: each starts several agents on a 2-core machine, and the
/// timings they print mean more without another test's agents competing for the CPU.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class E2ECollection
{
    public const string Name = "E2E";
}
