using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

/// <summary>
/// A read-only IConfiguration over flat keys (<c>listen:0</c>): only the Abstractions package is
/// available to tests, and this is all the plugin reads.
/// </summary>
internal sealed class DictionaryConfiguration(IReadOnlyDictionary<string, string?> values, string path = "") : IConfigurationSection
{
    public string? this[string key]
    {
        get => values.TryGetValue(Combine(key), out var v) ? v : null;
        set => throw new NotSupportedException();
    }

    public string Key => path.Contains(':', StringComparison.Ordinal) ? path[(path.LastIndexOf(':') + 1)..] : path;

    public string Path => path;

    public string? Value
    {
        get => values.TryGetValue(path, out var v) ? v : null;
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
            .Select(k => new DictionaryConfiguration(values, prefix + k));
    }

    public IChangeToken GetReloadToken() => new CancellationChangeToken(CancellationToken.None);

    public IConfigurationSection GetSection(string key) => new DictionaryConfiguration(values, Combine(key));

    private string Combine(string key) => path.Length == 0 ? key : path + ":" + key;
}
