using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using YamlDotNet.RepresentationModel;

namespace PluginMesh.Packaging.Tests;

/// <summary>
/// Slow end-to-end suite (Category=E2E): a plugin author's path, as a newcomer would walk it. Packs
/// PluginMesh.Abstractions with build/pack.sh, builds examples/plugins/ServiceCounter from that
/// package with <c>dotnet build</c> (its own nuget.config: the local package folder plus the feed)
/// and runs its unit tests,
/// drops the output into an extra plugins directory under a folder named unlike its DLL, and runs
/// the real agent on examples/single-node.yaml with <c>--plugins-dir</c> beside its default plugins.
/// </summary>
[Trait("Category", "E2E")]
[Collection(ReleaseBuildCollection.Name)]
public sealed class ExamplePluginTests : IDisposable
{
    private const string PluginId = "stats.servicecounter";

    private static readonly string Root = RepoPaths.Root;

    private readonly string _tmp = Path.Combine(Path.GetTempPath(), "pm-example-" + Guid.NewGuid().ToString("n")[..8]);

    // A version no earlier run used: NuGet keeps every version it restored in its global packages
    // folder and would hand back an old build of the same version instead of this one.
    private readonly string _version = RepoVersion() + "-test." + Guid.NewGuid().ToString("n")[..12];

    public void Dispose()
    {
        if (Directory.Exists(_tmp)) Directory.Delete(_tmp, true);
        var id = Path.Combine(GlobalPackagesFolder(), "pluginmesh.abstractions");
        if (Directory.Exists(Path.Combine(id, _version))) Directory.Delete(Path.Combine(id, _version), true);
        if (Directory.Exists(id) && !Directory.EnumerateFileSystemEntries(id).Any()) Directory.Delete(id);
    }

    [Fact]
    public async Task ServiceCounter_BuiltFromThePackage_RunsInAnExtraPluginsDirectory_WithItsStatusSectionAndMetric()
    {
        // 1. The package, where the example's nuget.config looks: <repo>/out/packages, here under _tmp.
        var (code, log) = Run("bash", [Path.Combine(Root, "build", "pack.sh")], Root, [("OUT", Path.Combine(_tmp, "out")), ("VERSION", _version)], TimeSpan.FromMinutes(10));
        Assert.True(code == 0, log);
        var package = Path.Combine(_tmp, "out", "packages", $"PluginMesh.Abstractions.{_version}.nupkg");
        AssertPackageDependsOnWhatAbstractionsReferences(package, _version);
        AssertCorePackage(Path.Combine(_tmp, "out", "packages", $"PluginMesh.P2p.{_version}.nupkg"));

        // 2. The example, copied the way an author would start from it, built against the package.
        var example = Path.Combine(_tmp, "examples", "plugins", "ServiceCounter");
        CopyExample(Path.Combine(Root, "examples", "plugins", "ServiceCounter"), example);
        var folder = Path.Combine(_tmp, "extra", "extra.servicecounter");
        (code, log) = Run("dotnet", ["build", "src", "-c", "Release", "-o", folder, $"-p:PluginMeshVersion={_version}", "-nodeReuse:false", "-p:UseSharedCompilation=false", "--nologo"], example, [], TimeSpan.FromMinutes(10));
        Assert.True(code == 0, log);
        // Its unit tests, as docs/plugins.md tells authors to write them, against the same package.
        (code, log) = Run("dotnet", ["test", "tests", $"-p:PluginMeshVersion={_version}", "-nodeReuse:false", "-p:UseSharedCompilation=false", "--nologo"], example, [], TimeSpan.FromMinutes(10));
        Assert.True(code == 0 && log.Contains("Passed!", StringComparison.Ordinal), log);
        Assert.True(File.Exists(Path.Combine(folder, "ServiceCounter.dll")), log);
        Assert.False(File.Exists(Path.Combine(folder, "PluginMesh.Abstractions.dll")), "the plugin must not carry its own Abstractions (ExcludeAssets=\"runtime\")");
        Assert.False(File.Exists(Path.Combine(folder, "PluginMesh.P2p.dll")), "the plugin must not carry its own libp2p core (ExcludeAssets=\"runtime\" flows to Abstractions' dependencies)");

        // 3. The agent: examples/single-node.yaml with the default plugins beside the binary, the
        //    example in an extra directory, its section taken from its README (as environment overrides).
        var admin = Path.Combine(_tmp, "admin.sock");
        var host = Path.Combine(Root, "src", "Cli", "bin", Configuration, "net10.0", "pluginmesh.dll");
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(host)!, "plugins", "Catalog.File", "PluginMesh.Plugins.Catalog.File.dll")), $"{host} has no default plugins beside it: build src/Cli");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { host, "up", "--config", "examples/single-node.yaml", "--plugins-dir", Path.Combine(_tmp, "extra") }) psi.ArgumentList.Add(a);
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("PLUGINMESH__", StringComparison.OrdinalIgnoreCase)).ToList()) psi.Environment.Remove(name);
        psi.Environment["PLUGINMESH__NODE__DATADIR"] = Path.Combine(_tmp, "data");
        psi.Environment["PLUGINMESH__ADMIN__LISTEN"] = "unix:" + admin;
        psi.Environment["PLUGINMESH__PLUGINS__DNS_MDNS__LISTEN__0"] = "127.0.0.1:0";
        psi.Environment["PLUGINMESH__TELEMETRY__PROMETHEUS__ENABLED"] = "true";
        var section = ReadmeSection(Path.Combine(Root, "examples", "plugins", "ServiceCounter", "README.md"));
        Assert.Equal("demo", section["namespace"]);
        foreach (var (key, value) in section) psi.Environment[$"PLUGINMESH__PLUGINS__STATS_SERVICECOUNTER__{key.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant()}"] = value;

        using var agent = Process.Start(psi)!;
        var stderr = agent.StandardError.ReadToEndAsync();
        var stdout = agent.StandardOutput.ReadToEndAsync();
        try
        {
            using var http = UnixSocketHttp.Create(admin, TimeSpan.FromSeconds(10));
            var ready = false;
            for (var i = 0; i < 1200 && !agent.HasExited && !ready; i++)
            {
                try
                {
                    ready = (await http.GetAsync(new Uri("readyz", UriKind.Relative))).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
                if (!ready) await Task.Delay(100);
            }
            Assert.True(ready, "agent never became ready: " + (agent.HasExited ? await stderr : "still starting"));

            using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("status", UriKind.Relative)));
            var plugins = status.RootElement.GetProperty("plugins").EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!);
            Assert.Equal("running", plugins[PluginId].GetProperty("state").GetString());
            Assert.Equal(Path.Combine(folder, "ServiceCounter.dll"), plugins[PluginId].GetProperty("path").GetString());
            Assert.Equal("running", plugins["catalog.file"].GetProperty("state").GetString());
            Assert.StartsWith(Path.GetDirectoryName(host)!, plugins["catalog.file"].GetProperty("path").GetString(), StringComparison.Ordinal);

            // examples/catalog.yaml: three services in demo. The counter starts after catalog.file (it uses catalog.source).
            var counter = status.RootElement.GetProperty("servicecounter");
            Assert.Equal("demo", counter.GetProperty("namespace").GetString());
            Assert.Equal(3, counter.GetProperty("services").GetInt32());
            Assert.Equal(3, counter.GetProperty("byNamespace").GetProperty("demo").GetInt32());

            var metrics = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
            var gauge = metrics.Split('\n').Single(l => l.StartsWith("servicecounter_services{", StringComparison.Ordinal));
            Assert.Contains($"otel_scope_name=\"PluginMesh.{PluginId}\"", gauge, StringComparison.Ordinal);
            Assert.EndsWith(" 3", gauge, StringComparison.Ordinal);

            Process.Start("kill", ["-TERM", agent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await agent.WaitForExitAsync(cts.Token);
            Assert.True(agent.ExitCode == 0, await stderr);
            Assert.Contains("ServiceCounter.CatalogCounter[", await stderr, StringComparison.Ordinal);
            Assert.Contains("3 service(s) in demo", await stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (!agent.HasExited) agent.Kill(true);
            _ = await stdout;
        }
    }

    /// <summary>
    /// The package's dependencies are exactly Abstractions' package references, at the versions the
    /// repository pins, and the libp2p core (its one project reference) at the version packed with it.
    /// </summary>
    private static void AssertPackageDependsOnWhatAbstractionsReferences(string package, string version)
    {
        Assert.True(File.Exists(package), package + " was not made");
        using var zip = ZipFile.OpenRead(package);
        Assert.NotNull(zip.GetEntry("lib/net10.0/PluginMesh.Abstractions.dll"));
        Assert.NotNull(zip.GetEntry("lib/net10.0/PluginMesh.Abstractions.xml"));
        Assert.NotNull(zip.GetEntry("README.md"));
        XDocument nuspec;
        using (var s = zip.GetEntry("PluginMesh.Abstractions.nuspec")!.Open()) nuspec = XDocument.Load(s);
        var meta = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        Assert.Equal("README.md", meta.Elements().Single(e => e.Name.LocalName == "readme").Value);
        Assert.False(string.IsNullOrWhiteSpace(meta.Elements().Single(e => e.Name.LocalName == "description").Value));
        var group = Assert.Single(meta.Descendants(), e => e.Name.LocalName == "group");
        Assert.Equal("net10.0", (string?)group.Attribute("targetFramework"));
        var dependencies = group.Elements().ToDictionary(e => (string)e.Attribute("id")!, e => (string)e.Attribute("version")!);

        var pinned = XDocument.Load(Path.Combine(Root, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!);
        var referenced = XDocument.Load(Path.Combine(Root, "src", "Abstractions", "PluginMesh.Abstractions.csproj")).Descendants("PackageReference")
            .Select(e => (string)e.Attribute("Include")!).ToList();
        Assert.NotEmpty(referenced);
        var expected = referenced.Select(id => (id, pinned[id])).Append(("PluginMesh.P2p", version));
        Assert.Equal(expected.OrderBy(d => d.Item1, StringComparer.Ordinal), dependencies.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => (d.Key, d.Value)));
    }

    /// <summary>The libp2p core's package: its assembly with docs, a README and a description, and no dependency at all.</summary>
    private static void AssertCorePackage(string package)
    {
        Assert.True(File.Exists(package), package + " was not made");
        using var zip = ZipFile.OpenRead(package);
        Assert.NotNull(zip.GetEntry("lib/net10.0/PluginMesh.P2p.dll"));
        Assert.NotNull(zip.GetEntry("lib/net10.0/PluginMesh.P2p.xml"));
        Assert.NotNull(zip.GetEntry("README.md"));
        XDocument nuspec;
        using (var s = zip.GetEntry("PluginMesh.P2p.nuspec")!.Open()) nuspec = XDocument.Load(s);
        var meta = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        Assert.Equal("README.md", meta.Elements().Single(e => e.Name.LocalName == "readme").Value);
        Assert.False(string.IsNullOrWhiteSpace(meta.Elements().Single(e => e.Name.LocalName == "description").Value));
        Assert.DoesNotContain(meta.Descendants(), e => e.Name.LocalName == "dependency");
    }

    /// <summary>The <c>plugins.stats.servicecounter</c> section of the README's YAML example, as flat keys.</summary>
    private static Dictionary<string, string?> ReadmeSection(string readme)
    {
        foreach (var block in ReadmeYaml.Blocks(readme))
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(block));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) continue;
            if (!root.Children.TryGetValue(new YamlScalarNode("plugins"), out var plugins) || plugins is not YamlMappingNode p) continue;
            if (p.Children.TryGetValue(new YamlScalarNode(PluginId), out var section)) return ReadmeYaml.Flatten(section);
        }
        throw new InvalidOperationException($"no 'plugins: {PluginId}:' example in {readme}");
    }

    private static void CopyExample(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        // Source folders only: a developer's bin/ and obj/ from building in place stay behind.
        foreach (var dir in Directory.GetDirectories(from).Where(d => Path.GetFileName(d) is not ("bin" or "obj"))) CopyExample(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    private static string Configuration { get; } = typeof(ExamplePluginTests).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
        .Cast<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration;

    /// <summary>The version build/pack.sh gives packages by default (Directory.Build.props).</summary>
    private static string RepoVersion() =>
        XDocument.Load(Path.Combine(Root, "Directory.Build.props")).Descendants("Version").Single().Value;

    private static string GlobalPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static (int Code, string Output) Run(string exe, string[] args, string cwd, (string Key, string Value)[] env, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(exe) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Build servers would inherit the output pipes and keep them open after the build ends.
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["UseSharedCompilation"] = "false";
        foreach (var (key, value) in env) psi.Environment[key] = value;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(true);
            return (-1, "timed out: " + exe + " " + string.Join(' ', args));
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
