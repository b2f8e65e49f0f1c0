namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

/// <summary>Locates files of the repository from the test output directory.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Of(string relative) => Path.Combine(Root, relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Directory.Build.props"))) return dir.FullName;
        }

        throw new InvalidOperationException("repository root (Directory.Build.props) not found above " + AppContext.BaseDirectory);
    }
}
