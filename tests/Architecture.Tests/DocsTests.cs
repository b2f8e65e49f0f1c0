using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;
using PluginMesh.Abstractions.Plugins;

namespace PluginMesh.Architecture.Tests;

/// <summary>
/// Keeps docs/operations.md and docs/configuration.md honest: every instrument the code creates and
/// every configuration key the host or a plugin reads must be named in them. The keys come from the
/// code itself — defaults.yaml, the host binder, and each built plugin's own <c>Validate</c> run over a
/// configuration that records every key it is asked for — so a new key fails here until it is documented.
/// </summary>
public sealed partial class DocsTests
{
    private static readonly string Root = FindRoot();

    private static readonly string BuildConfiguration = typeof(DocsTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;

    // meter.CreateCounter<long>("pluginmesh.x", …), meter?.CreateObservableGauge(\n "pluginmesh.y", …) and the like.
    [GeneratedRegex("""\bCreate(?:Counter|Histogram|Gauge|UpDownCounter|ObservableCounter|ObservableGauge|ObservableUpDownCounter)\s*(?:<[^>()]*>)?\s*\(\s*"(pluginmesh\.[^"]+)"\s*[,)]""")]
    private static partial Regex InstrumentCall();

    // "node:name", "telemetry:otlp:endpoint": configuration keys the host binder reads.
    [GeneratedRegex("\"([A-Za-z]+(?::[A-Za-z]+)+)\"")]
    private static partial Regex HostKeyLiteral();

    public static TheoryData<string> PluginFolders()
    {
        var data = new TheoryData<string>();
        foreach (var d in Directory.GetDirectories(Path.Combine(Root, "plugins")).Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(d));
        return data;
    }

    [Fact]
    public void OperationsDoc_NamesEveryInstrumentTheCodeCreates()
    {
        var names = SourceFiles("src", "plugins")
            .SelectMany(f => InstrumentCall().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        // The scan itself must work: the host, policy engine and plugins create dozens of instruments.
        Assert.True(names.Count >= 30, $"only {names.Count} instruments found; has the Create* call shape changed?");
        Assert.Contains("pluginmesh.cache.documents", names); // a multi-line call
        Assert.Contains("pluginmesh.holepunch.attempts", names); // a null-conditional call

        var doc = ReadDoc("operations.md");
        var missing = names.Where(n => !doc.Contains($"`{n}`", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "docs/operations.md does not name these instruments: " + string.Join(", ", missing));
    }

    [Theory]
    [MemberData(nameof(PluginFolders))]
    public void PluginReadme_NamesEveryInstrumentThePluginCreates(string folder)
    {
        var names = SourceFiles(Path.Combine("plugins", folder))
            .SelectMany(f => InstrumentCall().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(names);

        var readme = File.ReadAllText(Path.Combine(Root, "plugins", folder, "README.md"));
        var missing = names.Where(n => !readme.Contains($"`{n}`", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"plugins/{folder}/README.md does not name these instruments: " + string.Join(", ", missing));
    }

    [Fact]
    public void ConfigurationDoc_NamesEveryHostKey()
    {
        var keys = DefaultsKeyPaths(File.ReadAllLines(Path.Combine(Root, "src", "Host", "Configuration", "defaults.yaml"))).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("telemetry.otlp.endpoint", keys);
        Assert.Contains("shutdownTimeoutMs", keys);
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "src", "Host", "Configuration"), "*Binder*.cs"))
            keys.UnionWith(HostKeyLiteral().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value.Replace(':', '.')));

        var doc = ReadDoc("configuration.md");
        var missing = keys.Where(k => !doc.Contains($"`{k}`", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "docs/configuration.md does not name these host keys: " + string.Join(", ", missing));
    }

    [Theory]
    [MemberData(nameof(PluginFolders))]
    public void ConfigurationDoc_NamesEveryKeyThePluginReads(string folder)
    {
        var dll = Path.Combine(Root, "artifacts", "plugins", BuildConfiguration, folder, $"PluginMesh.Plugins.{folder}.dll");
        Assert.True(File.Exists(dll), $"{dll} was not built");
        var (id, keys) = KeysReadByValidate(dll);
        Assert.NotEmpty(keys);

        var section = DocSection(ReadDoc("configuration.md"), $"`plugins.{id}`");
        Assert.True(section is not null, $"docs/configuration.md has no heading naming `plugins.{id}`");
        var missing = keys.Where(k => !section!.Contains($"`{k}`", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"the `plugins.{id}` section of docs/configuration.md does not name these keys its Validate reads: " + string.Join(", ", missing));
    }

    /// <summary>Loads the plugin in a load context of its own, runs Validate over an empty section, and returns the dotted keys it asked for.</summary>
    private static (string Id, IReadOnlyList<string> Keys) KeysReadByValidate(string dll)
    {
        var context = new PluginLoadContext(dll);
        try
        {
            var entry = context.LoadFromAssemblyPath(dll).GetExportedTypes()
                .Single(t => typeof(IPluginMeshPlugin).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false });
            var plugin = (IPluginMeshPlugin)Activator.CreateInstance(entry)!;
            var id = plugin.Descriptor.Id;
            var read = new SortedSet<string>(StringComparer.Ordinal);
            plugin.Validate(new PluginValidationContext(id, new RecordingSection(read, ""), "plugins." + id, []));
            return (id, read.Select(k => k.Replace(':', '.')).ToList());
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>Key paths (dotted) of a YAML file of nested mappings like defaults.yaml; inline lists are leaves.</summary>
    private static IEnumerable<string> DefaultsKeyPaths(IEnumerable<string> lines)
    {
        var stack = new List<(int Indent, string Key)>();
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd();
            var text = line.TrimStart();
            if (text.Length == 0 || text.StartsWith('#') || text.StartsWith('-')) continue;
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            var indent = line.Length - text.Length;
            while (stack.Count > 0 && stack[^1].Indent >= indent) stack.RemoveAt(stack.Count - 1);
            stack.Add((indent, text[..colon].Trim()));
            yield return string.Join('.', stack.Select(s => s.Key));
        }
    }

    /// <summary>From the heading line containing <paramref name="marker"/> up to the next heading of the same or a higher level.</summary>
    private static string? DocSection(string doc, string marker)
    {
        var lines = doc.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith('#') && l.Contains(marker, StringComparison.Ordinal));
        if (start < 0) return null;
        var level = lines[start].TakeWhile(c => c == '#').Count();
        var end = start + 1;
        while (end < lines.Length && !(lines[end].StartsWith('#') && lines[end].TakeWhile(c => c == '#').Count() <= level)) end++;
        return string.Join('\n', lines[start..end]);
    }

    private static string ReadDoc(string name)
    {
        var path = Path.Combine(Root, "docs", name);
        Assert.True(File.Exists(path), $"{path} is missing");
        return File.ReadAllText(path);
    }

    private static IEnumerable<string> SourceFiles(params string[] tops) =>
        tops.SelectMany(t => Directory.EnumerateFiles(Path.Combine(Root, t), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PluginMesh.sln"))) return dir.FullName;
        throw new InvalidOperationException("PluginMesh.sln not found");
    }

    /// <summary>
    /// Like the host's plugin loader: the plugin's own dependencies from its folder, Abstractions and the
    /// Microsoft.Extensions contracts from this process so that <see cref="IPluginMeshPlugin"/> and
    /// <see cref="IConfiguration"/> are the same types on both sides.
    /// </summary>
    private sealed class PluginLoadContext(string dll) : AssemblyLoadContext(Path.GetFileName(dll), isCollectible: true)
    {
        private readonly AssemblyDependencyResolver _resolver = new(dll);

        protected override Assembly? Load(AssemblyName name)
        {
            if (name.Name is "PluginMesh.Abstractions" || name.Name?.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) == true)
            {
                try
                {
                    return Default.LoadFromAssemblyName(name);
                }
                catch (FileNotFoundException)
                {
                    // Not one this process carries: the plugin's own copy below.
                }
            }
            return _resolver.ResolveAssemblyToPath(name) is { } path ? LoadFromAssemblyPath(path) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
            _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }

    /// <summary>An empty configuration section that records every key read through it (relative to the plugin's section).</summary>
    private sealed class RecordingSection(ISet<string> read, string path) : IConfigurationSection
    {
        public string Key => path.Split(':')[^1];

        public string Path => path;

        public string? Value
        {
            get => null;
            set => throw new NotSupportedException();
        }

        public string? this[string key]
        {
            get
            {
                read.Add(Join(key));
                return null;
            }
            set => throw new NotSupportedException();
        }

        public IConfigurationSection GetSection(string key)
        {
            read.Add(Join(key));
            return new RecordingSection(read, Join(key));
        }

        public IEnumerable<IConfigurationSection> GetChildren() => [];

        public IChangeToken GetReloadToken() => NeverChanges.Instance;

        private string Join(string key) => path.Length == 0 ? key : path + ":" + key;
    }

    private sealed class NeverChanges : IChangeToken
    {
        public static readonly NeverChanges Instance = new();

        public bool HasChanged => false;

        public bool ActiveChangeCallbacks => false;

        public IDisposable RegisterChangeCallback(Action<object?> callback, object? state) => new Nothing();

        private sealed class Nothing : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }
}
