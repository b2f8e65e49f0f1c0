namespace PluginMesh.Deploy.Tests.Support;

/// <summary>Navigation over loaded YAML values with assertions that name the missing path.</summary>
public static class Yaml
{
    /// <summary>The value at a dotted path of map keys ("spec.template.spec"); fails naming the first missing key.</summary>
    public static object? At(object? node, string path)
    {
        foreach (var key in path.Split('.'))
        {
            var map = Assert.IsType<Dictionary<string, object?>>(node, exactMatch: false);
            Assert.True(map.ContainsKey(key), $"missing key '{key}' of '{path}'");
            node = map[key];
        }
        return node;
    }

    public static Dictionary<string, object?> Map(object? node, string path) => Assert.IsType<Dictionary<string, object?>>(At(node, path));

    public static List<object?> List(object? node, string path) => Assert.IsType<List<object?>>(At(node, path));

    public static string Str(object? node, string path) => Assert.IsType<string>(At(node, path));

    public static object? Get(object? node, string key) => node is Dictionary<string, object?> map && map.TryGetValue(key, out var v) ? v : null;

    /// <summary>The item of a list of maps whose "name" is <paramref name="name"/>.</summary>
    public static Dictionary<string, object?> Named(List<object?> items, string name) =>
        items.OfType<Dictionary<string, object?>>().SingleOrDefault(i => Get(i, "name") as string == name)
        ?? throw new Xunit.Sdk.XunitException($"no item named '{name}'");
}
