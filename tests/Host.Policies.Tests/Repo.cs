namespace PluginMesh.Host.Policies.Tests;

/// <summary>Finds the repository root and the shipped policies/ folder.</summary>
internal static class Repo
{
    public static string Root => RepoPaths.Root;

    public static string PoliciesDirectory => Path.Combine(Root, "policies");
}
