namespace PluginMesh.Host.Policies.Tests;

/// <summary>Finds the repository root and the shipped policies/ folder.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string PoliciesDirectory => Path.Combine(Root, "policies");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PluginMesh.sln")) || File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("tests: repository root (PluginMesh.sln or Directory.Build.props) not found above " + AppContext.BaseDirectory);
    }
}
