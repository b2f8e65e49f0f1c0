using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace PluginMesh.TestSupport;

/// <summary>
/// A read-only <see cref="IConfigurationSection"/> over flat keys (<c>listen:0</c>, <c>a:b</c>): enough to
/// feed a plugin its section without the full configuration stack, which tests do not reference.
/// Children come in configuration order: array indexes numerically, then the other keys as given.
/// </summary>
public sealed class DictionaryConfiguration(IReadOnlyDictionary<string, string?> values, string path = "") : IConfigurationSection
{
    /// <summary>A section over the given pairs, keys compared ignoring case as configuration does.</summary>
    public static DictionaryConfiguration Of(params (string Key, string? Value)[] values) =>
        new(values.ToDictionary(v => v.Key, v => v.Value, StringComparer.OrdinalIgnoreCase));

    public string? this[string key]
    {
        get => values.GetValueOrDefault(Combine(key));
        set => throw new NotSupportedException();
    }

    public string Key => path.Split(':')[^1];

    public string Path => path;

    public string? Value
    {
        get => values.GetValueOrDefault(path);
        set => throw new NotSupportedException();
    }

    public IEnumerable<IConfigurationSection> GetChildren()
    {
        var prefix = path.Length == 0 ? "" : path + ":";
        return values.Keys
            .Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && k.Length > prefix.Length)
            .Select(k => k[prefix.Length..].Split(':')[0])
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .OrderBy(k => int.TryParse(k, out var n) ? n : int.MaxValue)
            .Select(k => new DictionaryConfiguration(values, prefix + k))
            .ToList();
    }

    public IChangeToken GetReloadToken() => new CancellationChangeToken(CancellationToken.None);

    public IConfigurationSection GetSection(string key) => new DictionaryConfiguration(values, Combine(key));

    private string Combine(string key) => path.Length == 0 ? key : path + ":" + key;
}
