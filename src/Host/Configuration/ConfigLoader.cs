using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using PluginMesh.Abstractions.Plugins;

namespace PluginMesh.Host.Configuration;

/// <summary>The layered configuration and where it came from.</summary>
/// <param name="Root">Embedded defaults, then the file, then <c>PLUGINMESH__</c> environment variables.</param>
/// <param name="FilePath">The file that was read, or null when only defaults apply.</param>
/// <param name="ExplicitPluginIds">Plugin ids with a section in the file or environment (lower case).</param>
/// <param name="Problems">Syntax problems found while reading.</param>
internal sealed record LoadedConfig(IConfigurationRoot Root, string? FilePath, IReadOnlySet<string> ExplicitPluginIds, IReadOnlyList<ConfigProblem> Problems);

/// <summary>Reads embedded defaults, the YAML file and environment overrides into one configuration.</summary>
internal static class ConfigLoader
{
    public const string DefaultPath = "/etc/pluginmesh/pluginmesh.yaml";
    public const string EnvironmentPrefix = "PLUGINMESH__";

    /// <summary>
    /// Loads configuration. <paramref name="path"/> null means the default path, which may be absent
    /// (embedded defaults then apply); an explicitly given path that does not exist is a problem.
    /// </summary>
    /// <param name="overrides">
    /// A plugin command's keys, laid over everything else (a list replaces the list below it; a null
    /// value removes the key and everything under it). They enable nothing: the command names its plugins.
    /// </param>
    public static LoadedConfig Load(string? path, IDictionary? environment = null, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var problems = new List<ConfigProblem>();
        var merged = YamlConfigReader.Read(EmbeddedDefaults(), "embedded defaults", problems);
        var explicitIds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        string? filePath = null;
        var candidate = path ?? DefaultPath;
        if (File.Exists(candidate))
        {
            filePath = Path.GetFullPath(candidate);
            string text;
            try
            {
                text = File.ReadAllText(candidate);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problems.Add(new ConfigProblem(candidate, $"cannot read: {ex.Message}"));
                text = "";
            }
            var emptySequences = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var fromFile = YamlConfigReader.Read(text, candidate, problems, emptySequences);
            CollectPluginIds(fromFile.Keys, explicitIds);
            Overlay(merged, fromFile, emptySequences);
        }
        else if (path is not null)
        {
            problems.Add(new ConfigProblem(path, "config file not found"));
        }

        var fromEnv = ReadEnvironment(environment ?? Environment.GetEnvironmentVariables());
        CollectPluginIds(fromEnv.Keys, explicitIds);
        Overlay(merged, fromEnv);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            if (value is null) RemoveSubtree(merged, key);
        }
        if (overrides is not null) Overlay(merged, overrides.Where(o => o.Value is not null).ToDictionary(StringComparer.OrdinalIgnoreCase));

        var root = new ConfigurationBuilder().AddInMemoryCollection(merged).Build();
        return new LoadedConfig(root, filePath, explicitIds, problems);
    }

    /// <summary>The embedded defaults YAML text.</summary>
    public static string EmbeddedDefaults()
    {
        using var stream = typeof(ConfigLoader).Assembly.GetManifestResourceStream("PluginMesh.defaults.yaml")
            ?? throw new PluginMeshException("host", "load config", "embedded defaults are missing from the binary");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Maps <c>PLUGINMESH__A__B</c> to <c>a:b</c>. Plugin ids contain dots, which shells cannot put in
    /// variable names, so the segment after <c>PLUGINS</c> takes underscores for dots.
    /// </summary>
    internal static Dictionary<string, string?> ReadEnvironment(IDictionary environment)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is not string name || !name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)) continue;
            var parts = name[EnvironmentPrefix.Length..].Split("__");
            for (var i = 0; i < parts.Length; i++)
            {
                // Configuration keys are case-insensitive; lower-casing keeps error paths readable.
                parts[i] = parts[i].ToLowerInvariant();
                if (i == 1 && parts[0].Equals("plugins", StringComparison.OrdinalIgnoreCase)) parts[i] = parts[i].Replace('_', '.').ToLowerInvariant();
            }
            result[string.Join(':', parts)] = entry.Value as string;
        }
        return result;
    }

    private static void CollectPluginIds(IEnumerable<string> keys, HashSet<string> into)
    {
        foreach (var key in keys)
        {
            var parts = key.Split(':');
            if (parts.Length >= 2 && parts[0].Equals("plugins", StringComparison.OrdinalIgnoreCase)) into.Add(parts[1].ToLowerInvariant());
        }
    }

    /// <summary>
    /// Overlays <paramref name="top"/> on <paramref name="bottom"/>. A list in the top layer replaces the
    /// whole list below it (plain key merging would keep stale tail elements of a longer default list),
    /// and an explicitly empty sequence (<c>[]</c>, its key in <paramref name="emptySequences"/>) clears
    /// it. An empty mapping (<c>{}</c>) only marks its key as present and keeps what is below.
    /// </summary>
    internal static void Overlay(Dictionary<string, string?> bottom, Dictionary<string, string?> top, IReadOnlySet<string>? emptySequences = null)
    {
        var replacedLists = top.Keys
            .Select(k => k.Split(':'))
            .Where(p => p.Length >= 2 && p[^1].All(char.IsAsciiDigit))
            .Select(p => string.Join(':', p[..^1]))
            .Concat(emptySequences ?? Enumerable.Empty<string>())
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        foreach (var list in replacedLists) RemoveSubtree(bottom, list);
        foreach (var (k, v) in top)
        {
            // An empty mapping in the top layer only marks presence; it must not erase children below.
            // (An empty sequence's children were removed above, so it lands here as present and empty.)
            if (v is null && bottom.Keys.Any(b => b.StartsWith(k + ":", StringComparison.OrdinalIgnoreCase))) continue;
            bottom[k] = v;
        }
    }

    /// <summary>Removes <paramref name="key"/> and every key below it.</summary>
    private static void RemoveSubtree(Dictionary<string, string?> keys, string key)
    {
        foreach (var k in keys.Keys.Where(k => k.Equals(key, StringComparison.OrdinalIgnoreCase) || k.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase)).ToList())
            keys.Remove(k);
    }

    internal static string AssemblyVersion() =>
        typeof(ConfigLoader).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
