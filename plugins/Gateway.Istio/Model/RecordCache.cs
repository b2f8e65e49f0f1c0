namespace PluginMesh.Plugins.Gateway.Istio.Model;

/// <summary>
/// State a model record keeps for speed (a compiled regex, the round-robin position) that is not part of
/// its value: every cache of a kind equals every other, so record equality and hashing see only the
/// record's own members.
/// </summary>
internal abstract class RecordCache
{
    /// <inheritdoc />
    public sealed override bool Equals(object? obj) => obj is not null && obj.GetType() == GetType();

    /// <inheritdoc />
    public sealed override int GetHashCode() => GetType().GetHashCode();
}
