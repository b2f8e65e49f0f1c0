namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>What an open LiteDB cache file holds: its change sequence and documents per collection.</summary>
/// <param name="Sequence">The stored change sequence (0 for a new file).</param>
/// <param name="Counts">Documents per user collection (the internal <c>_meta</c> left out).</param>
internal sealed record CacheFacts(long Sequence, IReadOnlyDictionary<string, long> Counts)
{
    /// <summary>Documents over all collections.</summary>
    public long Documents => Counts.Values.Sum();

    public static CacheFacts Read(LiteDatabase db)
    {
        var meta = db.GetCollection(LiteDbStateCache.MetaCollection).FindById(LiteDbStateCache.SequenceId);
        var counts = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in db.GetCollectionNames())
        {
            if (string.Equals(name, LiteDbStateCache.MetaCollection, StringComparison.OrdinalIgnoreCase)) continue;
            counts[name] = db.GetCollection(name).LongCount();
        }

        return new CacheFacts(meta is null ? 0 : meta["value"].AsInt64, counts);
    }
}
