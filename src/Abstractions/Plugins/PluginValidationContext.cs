using Microsoft.Extensions.Configuration;

namespace PluginMesh.Abstractions.Plugins;

/// <summary>Collects configuration problems, each with the path of the offending key.</summary>
/// <remarks>Not thread-safe: a plugin validates on the calling thread.</remarks>
/// <param name="pluginId">The plugin id.</param>
/// <param name="section">The plugin's section.</param>
/// <param name="pathPrefix">Path written before each key, e.g. <c>plugins.cache.litedb</c>.</param>
/// <param name="problems">Where problems go.</param>
public sealed class PluginValidationContext(string pluginId, IConfiguration section, string pathPrefix, List<ConfigProblem> problems)
{
    /// <summary>The plugin being validated.</summary>
    public string PluginId { get; } = pluginId;

    /// <summary>The plugin's configuration section.</summary>
    public IConfiguration Section { get; } = section;

    /// <summary>The dotted path of the section, e.g. <c>plugins.tunnel.libp2p</c>.</summary>
    public string PathPrefix { get; } = pathPrefix;

    /// <summary>Records a problem at <paramref name="relativePath"/> (config key syntax; <c>listen:0</c> is shown as <c>listen[0]</c>).</summary>
    public void Error(string relativePath, string message) =>
        problems.Add(new ConfigProblem(ConfigPath.Join(PathPrefix, relativePath), message));
}

/// <summary>One configuration problem.</summary>
/// <param name="Path">Where, e.g. <c>plugins.tunnel.libp2p.listen[0]</c>.</param>
/// <param name="Message">What is wrong, e.g. <c>not a multiaddr</c>.</param>
public sealed record ConfigProblem(string Path, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>Turns configuration keys (<c>a:b:0</c>) into the dotted form users write (<c>a.b[0]</c>).</summary>
public static class ConfigPath
{
    /// <summary>Joins a dotted prefix and a configuration key.</summary>
    public static string Join(string prefix, string key)
    {
        var rel = Format(key);
        if (rel.Length == 0) return prefix;
        if (prefix.Length == 0) return rel;
        return rel[0] == '[' ? prefix + rel : prefix + "." + rel;
    }

    /// <summary>Formats a configuration key: numeric segments become indexes.</summary>
    public static string Format(string key)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var part in key.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.All(char.IsAsciiDigit)) sb.Append('[').Append(part).Append(']');
            else
            {
                if (sb.Length > 0) sb.Append('.');
                sb.Append(part);
            }
        }
        return sb.ToString();
    }
}
