using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>
/// A flat key/value <see cref="IConfigurationSection"/> (keys like <c>a:b</c>), enough to feed a
/// plugin its section without the full configuration stack, which this repo does not reference.
/// </summary>
public sealed class TestConfiguration : IConfigurationSection
{
    private readonly IReadOnlyDictionary<string, string?> _values;

    public TestConfiguration(IReadOnlyDictionary<string, string?> values, string path = "")
    {
        _values = values;
        Path = path;
        Key = path.Split(':')[^1];
    }

    public static TestConfiguration Of(params (string Key, string? Value)[] values) =>
        new(values.ToDictionary(v => v.Key, v => v.Value, StringComparer.OrdinalIgnoreCase));

    public string Key { get; }

    public string Path { get; }

    public string? Value
    {
        get => _values.GetValueOrDefault(Path);
        set => throw new NotSupportedException();
    }

    public string? this[string key]
    {
        get => _values.GetValueOrDefault(Combine(key));
        set => throw new NotSupportedException();
    }

    public IConfigurationSection GetSection(string key) => new TestConfiguration(_values, Combine(key));

    public IEnumerable<IConfigurationSection> GetChildren()
    {
        var prefix = Path.Length == 0 ? "" : Path + ":";
        return _values.Keys
            .Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && k.Length > prefix.Length)
            .Select(k => k[prefix.Length..].Split(':')[0])
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(GetSection)
            .ToList();
    }

    public IChangeToken GetReloadToken() => new CancellationChangeToken(CancellationToken.None);

    private string Combine(string key) => Path.Length == 0 ? key : Path + ":" + key;
}
