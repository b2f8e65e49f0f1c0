using PluginMesh.Host.Bundle;

namespace PluginMesh.Host.Hosting;

/// <summary>Where plugins and policies come from: flags and config first, then beside the binary, then the embedded bundle.</summary>
internal static class AgentPaths
{
    public static IReadOnlyList<string> PluginDirectories(IReadOnlyList<string> fromFlags, string dataDir)
    {
        if (fromFlags.Count > 0) return fromFlags.Select(Path.GetFullPath).ToList();
        var beside = Path.Combine(AppContext.BaseDirectory, "plugins");
        if (Directory.Exists(beside)) return [beside];
        var bundle = EmbeddedBundle.Unpack(dataDir);
        return bundle is null ? [beside] : [Path.Combine(bundle, "plugins")];
    }

    public static string PoliciesDirectory(string configured, string dataDir)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return configured;
        var beside = Path.Combine(AppContext.BaseDirectory, "policies");
        if (Directory.Exists(beside)) return beside;
        var bundle = EmbeddedBundle.Unpack(dataDir);
        return bundle is null ? beside : Path.Combine(bundle, "policies");
    }
}
