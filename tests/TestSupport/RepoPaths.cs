namespace PluginMesh.TestSupport;

/// <summary>Locates files of the repository (the folder holding PluginMesh.sln) from the test output directory.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Of(string relative) => Path.Combine(Root, relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PluginMesh.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("repository root (PluginMesh.sln) not found above " + AppContext.BaseDirectory);
    }
}
