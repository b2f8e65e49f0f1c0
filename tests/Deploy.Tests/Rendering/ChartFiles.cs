using System.Text.RegularExpressions;

namespace PluginMesh.Deploy.Tests.Rendering;

/// <summary>Helm's <c>.Files</c>: files inside the chart directory (never outside it, as with helm package).</summary>
public sealed class ChartFiles(string chartDirectory)
{
    public string Get(string relativePath) => File.ReadAllText(Path.Combine(chartDirectory, relativePath));

    /// <summary>Path → content, for a glob of <c>*</c> (no separators) within the chart; ranged in path order like Go maps.</summary>
    public Dictionary<string, object?> Glob(string pattern)
    {
        var regex = new Regex("^" + Regex.Escape(pattern).Replace(@"\*", "[^/]*", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);
        return Directory.EnumerateFiles(chartDirectory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(chartDirectory, f).Replace('\\', '/'))
            .Where(rel => regex.IsMatch(rel))
            .ToDictionary(rel => rel, rel => (object?)Get(rel), StringComparer.Ordinal);
    }
}
