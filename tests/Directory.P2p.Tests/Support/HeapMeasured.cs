namespace PluginMesh.Plugins.Directory.P2p.Tests.Support;

/// <summary>
/// Tests that measure the process heap, or allocate enough to skew such a measurement: they run
/// alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasured
{
    public const string Name = "heap measured";
}
