using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace PluginMesh.Architecture.Tests;

/// <summary>
/// The design rules that keep PluginMesh a kernel with swappable plugins: one plugin = one folder =
/// one assembly; plugins see Abstractions and the shared libp2p core only, never another plugin or
/// the host; Abstractions depends on nothing but the Microsoft.Extensions abstractions and the core;
/// the core depends on nothing but the framework; the kernel knows nothing of the command line.
/// </summary>
public sealed class LayeringTests
{
    private static readonly string Root = FindRoot();

    /// <summary>Assemblies the host loads once and shares with every plugin (src/Host/Plugins/PluginDiscovery.cs SharedTypes).</summary>
    private static readonly string[] SharedAssemblies = ["PluginMesh.Abstractions", "PluginMesh.P2p"];

    // Plugins are built per configuration into artifacts/plugins/<Configuration>/; read the one this test was built in.
    private static readonly string BuildConfiguration = typeof(LayeringTests).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false).Cast<System.Reflection.AssemblyMetadataAttribute>()
        .Single(a => a.Key == "Configuration").Value!;

    public static TheoryData<string> PluginFolders()
    {
        var data = new TheoryData<string>();
        foreach (var d in Directory.GetDirectories(Path.Combine(Root, "plugins")).Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(d));
        return data;
    }

    [Theory]
    [MemberData(nameof(PluginFolders))]
    public void PluginProject_ReferencesNoOtherProject(string folder)
    {
        var csproj = Directory.GetFiles(Path.Combine(Root, "plugins", folder), "*.csproj").Single();
        Assert.Equal($"PluginMesh.Plugins.{folder}.csproj", Path.GetFileName(csproj));
        var refs = XDocument.Load(csproj).Descendants("ProjectReference").Select(e => (string?)e.Attribute("Include")).ToList();
        // Abstractions is added for every plugin by Directory.Build.props; a plugin's own project adds none.
        Assert.Empty(refs);
    }

    [Theory]
    [MemberData(nameof(PluginFolders))]
    public void PluginAssembly_ReferencesOnlySharedAssembliesOfPluginMesh(string folder)
    {
        var dll = Path.Combine(Root, "artifacts", "plugins", BuildConfiguration, folder, $"PluginMesh.Plugins.{folder}.dll");
        Assert.True(File.Exists(dll), $"{dll} was not built");
        var names = ReferencedAssemblies(dll);
        var mesh = names.Where(n => n.StartsWith("PluginMesh", StringComparison.OrdinalIgnoreCase) || n == "pluginmesh").ToList();
        Assert.Contains("PluginMesh.Abstractions", mesh);
        Assert.All(mesh, n => Assert.Contains(n, SharedAssemblies));
        foreach (var shared in SharedAssemblies)
        {
            Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(dll)!, shared + ".dll")),
                $"a plugin must not ship its own copy of {shared} (the host's is shared)");
        }
    }

    [Fact]
    public void P2pCore_DependsOnlyOnTheFramework()
    {
        var dll = typeof(PluginMesh.P2p.Multiaddr).Assembly.Location;
        foreach (var name in ReferencedAssemblies(dll))
        {
            var allowed = name.StartsWith("System", StringComparison.Ordinal) || name is "netstandard" or "mscorlib";
            Assert.True(allowed, $"PluginMesh.P2p references {name}");
        }
    }

    /// <summary>What the shared libp2p core owns (src/P2p): a plugin that needs one uses the core's.</summary>
    private static readonly string[] CoreOwnedNames = ["Base58", "Base32", "Varint", "Multiaddr", "PeerId", "PeerIds", "MultiaddrCodec", "MultiaddrText", "PublicKeyCodec", "KeyFile"];

    [Theory]
    [MemberData(nameof(PluginFolders))]
    public void PluginAssembly_DefinesNoTypeTheCoreOwns(string folder)
    {
        var dll = Path.Combine(Root, "artifacts", "plugins", BuildConfiguration, folder, $"PluginMesh.Plugins.{folder}.dll");
        Assert.True(File.Exists(dll), $"{dll} was not built");
        using var stream = File.OpenRead(dll);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var own = md.TypeDefinitions.Select(h => md.GetString(md.GetTypeDefinition(h).Name)).Where(n => CoreOwnedNames.Contains(n, StringComparer.Ordinal)).ToList();
        Assert.True(own.Count == 0, $"plugins/{folder} defines {string.Join(", ", own)}: use PluginMesh.P2p's");
    }

    [Theory]
    [MemberData(nameof(PluginFolders))]
    public void PluginFolder_HasReadme(string folder) =>
        Assert.True(File.Exists(Path.Combine(Root, "plugins", folder, "README.md")), $"plugins/{folder}/README.md is missing");

    [Fact]
    public void Abstractions_DependsOnlyOnExtensionsAbstractions()
    {
        var dll = typeof(PluginMesh.Abstractions.Plugins.IPluginMeshPlugin).Assembly.Location;
        foreach (var name in ReferencedAssemblies(dll))
        {
            var allowed = name.StartsWith("System", StringComparison.Ordinal) || name is "netstandard" or "mscorlib" or "PluginMesh.P2p"
                || name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) && name.EndsWith(".Abstractions", StringComparison.Ordinal);
            Assert.True(allowed, $"PluginMesh.Abstractions references {name}");
        }
    }

    [Fact]
    public void Abstractions_HasOnlyContracts_ReferencesOnlyTheP2pCore()
    {
        var refs = XDocument.Load(Path.Combine(Root, "src", "Abstractions", "PluginMesh.Abstractions.csproj")).Descendants("ProjectReference")
            .Select(e => (string?)e.Attribute("Include")).ToList();
        Assert.All(refs, r => Assert.Equal("../P2p/PluginMesh.P2p.csproj", r));
    }

    [Fact]
    public void Kernel_IsALibrary_ThatReferencesNeitherTheCommandLineNorTheDemo()
    {
        // The kernel (src/Host) does kernel work only; the command line in front of it (src/Cli, the
        // pluginmesh executable) and the demo it launches depend on the kernel, never the other way.
        var kernel = XDocument.Load(Path.Combine(Root, "src", "Host", "PluginMesh.Host.csproj"));
        Assert.DoesNotContain(kernel.Descendants("OutputType"), e => e.Value == "Exe");
        var refs = kernel.Descendants("ProjectReference").Select(e => (string?)e.Attribute("Include") ?? "").ToList();
        Assert.DoesNotContain(refs, r => r.Contains("Cli", StringComparison.Ordinal) || r.Contains("Demo", StringComparison.Ordinal));

        var cli = XDocument.Load(Path.Combine(Root, "src", "Cli", "PluginMesh.Cli.csproj"));
        Assert.Equal("pluginmesh", cli.Descendants("AssemblyName").Single().Value);
        Assert.Contains(cli.Descendants("ProjectReference"), e => (string?)e.Attribute("Include") == "../Host/PluginMesh.Host.csproj");
    }

    private static List<string> ReferencedAssemblies(string dll)
    {
        using var stream = File.OpenRead(dll);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToList();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PluginMesh.sln"))) return dir.FullName;
        throw new InvalidOperationException("PluginMesh.sln not found");
    }
}
