namespace PluginMesh.Host.Tests;

/// <summary>Locations of the repository and of build outputs the tests load.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string TestPluginsDir => Path.Combine(RepoRoot, "artifacts", "test-plugins");

    /// <summary>Libraries the test plugins use, built outside the plugin folders.</summary>
    public static string TestPluginLibsDir => Path.Combine(RepoRoot, "artifacts", "test-plugin-libs");

    public static string TestPlugin(string name) => Path.Combine(TestPluginsDir, name, name + ".dll");

    /// <summary>The configuration this test assembly was built in (Debug or Release).</summary>
    public static string Configuration { get; } = typeof(TestPaths).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
        .Cast<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration;

    /// <summary>The shipped plugins as this configuration built them (artifacts/plugins/&lt;Configuration&gt;), what <c>--plugins-dir</c> points the real CLI at.</summary>
    public static string PluginsDir => Path.Combine(RepoRoot, "artifacts", "plugins", Configuration);

    /// <summary>The host as its own build leaves it: src/Cli/bin, with the default plugins copied into plugins/ beside it.</summary>
    public static string HostWithDefaultPluginsDll => Path.Combine(RepoRoot, "src", "Cli", "bin", Configuration, "net10.0", "pluginmesh.dll");

    /// <summary>The built host (pluginmesh.dll) beside this test assembly; no plugins/ folder is beside it.</summary>
    public static string HostDll => Path.Combine(AppContext.BaseDirectory, "pluginmesh.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PluginMesh.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("PluginMesh.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A temporary directory removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pm-test-" + Guid.NewGuid().ToString("n")[..12]);

    public string File(string name, string content)
    {
        var p = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        System.IO.File.WriteAllText(p, content);
        return p;
    }

    /// <summary>Copies test plugin folders into <c>plugins/</c> here and returns that directory.</summary>
    public string Plugins(params string[] names)
    {
        var dir = System.IO.Path.Combine(Path, "plugins");
        foreach (var n in names) CopyDir(System.IO.Path.Combine(TestPaths.TestPluginsDir, n), System.IO.Path.Combine(dir, n));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// Makes <c>plugins/&lt;folder&gt;</c> here from the files of the named test plugins (or of test
    /// plugin libraries), so a folder can be named unlike its DLL or hold several; returns the plugins directory.
    /// </summary>
    public string PluginFolder(string folder, params string[] contents)
    {
        var dir = System.IO.Path.Combine(Path, "plugins");
        var target = System.IO.Path.Combine(dir, folder);
        Directory.CreateDirectory(target);
        foreach (var n in contents)
        {
            var from = System.IO.Path.Combine(TestPaths.TestPluginsDir, n);
            CopyDir(Directory.Exists(from) ? from : System.IO.Path.Combine(TestPaths.TestPluginLibsDir, n), target);
        }
        if (contents.Length == 0) File($"plugins/{folder}/notes.txt", "no plugin here");
        return dir;
    }

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        // Test plugins share their dependencies (Microsoft.Extensions.*): the same file twice is fine.
        foreach (var f in Directory.GetFiles(from)) System.IO.File.Copy(f, System.IO.Path.Combine(to, System.IO.Path.GetFileName(f)), overwrite: true);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, true);
        }
        catch (IOException)
        {
            // A child process may still hold a file briefly; the OS temp cleaner gets it later.
        }
    }
}
