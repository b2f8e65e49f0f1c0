using System.Text.Json;
using JsonSerializer = System.Text.Json.JsonSerializer;

namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>
/// One typed collection. Each value is stored as <c>{ _id: key, json: string, seq: long }</c>:
/// JSON rather than mapped BSON, so any record System.Text.Json round-trips is stored as is, and
/// <c>seq</c> is the change sequence of the write that last touched it.
/// </summary>
internal sealed class LiteDbCacheCollection<T>(LiteDbStateCache cache, string name) : ICacheCollection<T>
    where T : class
{
    // LiteDB refuses index keys over 1023 bytes once BSON-encoded; stay clear of the envelope.
    internal const int MaxKeyBytes = 1000;

    private const string JsonField = "json";
    private const string SequenceField = "seq";

    public string Name { get; } = name;

    public long Count => cache.Count(Name);

    public T? Get(string key)
    {
        ValidateKey(key, "read");
        var document = cache.Read(Name, collection => collection.FindById(key));
        return document is null ? null : Deserialize(key, document);
    }

    public IReadOnlyList<KeyValuePair<string, T>> GetAll()
    {
        // Materialized inside Read: a lazy LiteDB query holds its read transaction until enumerated.
        var documents = cache.Read(Name, collection => collection.FindAll().ToList());
        var entries = new List<KeyValuePair<string, T>>(documents.Count);
        foreach (var document in documents)
        {
            var key = document["_id"].AsString;
            entries.Add(new KeyValuePair<string, T>(key, Deserialize(key, document)));
        }

        entries.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return entries;
    }

    public ValueTask UpsertAsync(string key, T value, CancellationToken cancellationToken = default)
    {
        // Serialized before taking the write gate, so a slow or failing value never holds up other writers.
        var document = ToDocument(key, value);
        return Discard(cache.WriteAsync(Name, (collection, sequence) =>
        {
            document[SequenceField] = sequence;
            var inserted = collection.Upsert(document);
            return new WriteOutcome<bool>(true, Changed: true, inserted ? 1 : 0);
        }, cancellationToken));
    }

    public ValueTask UpsertManyAsync(IEnumerable<KeyValuePair<string, T>> entries, CancellationToken cancellationToken = default)
    {
        var documents = ToDocuments(entries);
        return Discard(cache.WriteAsync(Name, (collection, sequence) =>
        {
            var inserted = 0L;
            foreach (var document in documents)
            {
                document[SequenceField] = sequence;
                if (collection.Upsert(document)) inserted++;
            }

            return new WriteOutcome<bool>(true, Changed: documents.Count > 0, inserted);
        }, cancellationToken));
    }

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidateKey(key, "write");
        return cache.WriteAsync(Name, (collection, _) =>
        {
            var deleted = collection.Delete(key);
            return new WriteOutcome<bool>(deleted, Changed: deleted, deleted ? -1 : 0);
        }, cancellationToken);
    }

    public ValueTask ReplaceAllAsync(IEnumerable<KeyValuePair<string, T>> entries, CancellationToken cancellationToken = default)
    {
        var documents = ToDocuments(entries);
        return Discard(cache.WriteAsync(Name, (collection, sequence) =>
        {
            var removed = (long)collection.DeleteAll();
            var inserted = 0L;
            foreach (var document in documents)
            {
                document[SequenceField] = sequence;
                if (collection.Upsert(document)) inserted++;
            }

            // Always a write: even an unchanged snapshot tells readers the source was re-read.
            return new WriteOutcome<bool>(true, Changed: true, inserted - removed);
        }, cancellationToken));
    }

    private static async ValueTask Discard(ValueTask<bool> write) => await write.ConfigureAwait(false);

    private List<BsonDocument> ToDocuments(IEnumerable<KeyValuePair<string, T>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var documents = new List<BsonDocument>();
        foreach (var (key, value) in entries) documents.Add(ToDocument(key, value));
        return documents;
    }

    private BsonDocument ToDocument(string key, T value)
    {
        ValidateKey(key, "write");
        ArgumentNullException.ThrowIfNull(value);

        var json = JsonSerializer.Serialize(value, CacheJson.Options);
        var bytes = Encoding.UTF8.GetByteCount(json);
        if (bytes > cache.MaxDocumentBytes)
        {
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, $"write {Name}",
                $"value for key '{key}' is {bytes} bytes of JSON; maxDocumentBytes is {cache.MaxDocumentBytes}");
        }

        return new BsonDocument
        {
            ["_id"] = key,
            [JsonField] = json,
        };
    }

    private T Deserialize(string key, BsonDocument document)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(document[JsonField].AsString, CacheJson.Options)
                ?? throw new JsonException("the stored value is JSON null");
        }
        catch (JsonException ex)
        {
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, $"read {Name}",
                $"value for key '{key}' does not read as {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    private void ValidateKey(string key, string action)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var bytes = Encoding.UTF8.GetByteCount(key);
        if (bytes > MaxKeyBytes)
        {
            throw new PluginMeshException(CacheLiteDbPlugin.PluginId, $"{action} {Name}",
                $"key '{key[..40]}...' is {bytes} bytes; keys hold at most {MaxKeyBytes} UTF-8 bytes");
        }
    }
}
