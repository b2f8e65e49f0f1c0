using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;

namespace PluginMesh.Host.Bundle;

/// <summary>
/// The default plugins and policies carried inside the single-file binary (resource
/// <c>PluginMesh.bundle.zip</c>, added by <c>build/publish.sh</c>). Unpacked once per bundle
/// content into <c>&lt;dataDir&gt;/bundle/&lt;hash&gt;/</c> (the first 16 hex digits of the zip's
/// SHA-256), atomically, so a crash mid-unpack leaves nothing half-written in use.
/// </summary>
internal static class EmbeddedBundle
{
    private const string ResourceName = "PluginMesh.bundle.zip";

    public static bool Present => typeof(EmbeddedBundle).Assembly.GetManifestResourceInfo(ResourceName) is not null;

    private static readonly Lock Gate = new();
    private static (string DataDir, string? Directory)? _unpacked;

    /// <summary>
    /// Unpacks the bundle if needed; returns its directory, or null when the binary carries none.
    /// Plugins and policies both ask at start-up: the answer is worked out once per process.
    /// </summary>
    public static string? Unpack(string dataDir)
    {
        lock (Gate)
        {
            if (_unpacked is { } done && done.DataDir == dataDir) return done.Directory;
            var directory = UnpackCore(dataDir);
            _unpacked = (dataDir, directory);
            return directory;
        }
    }

    private static string? UnpackCore(string dataDir)
    {
        // The hash is computed when the binary is built (PluginMesh.Host.csproj): a start that finds the
        // bundle unpacked never touches the resource, so its pages are neither read nor resident.
        var hash = BuiltHash();
        if (hash is not null && Directory.Exists(Path.Combine(dataDir, "bundle", hash))) return Path.Combine(dataDir, "bundle", hash);
        using var resource = typeof(EmbeddedBundle).Assembly.GetManifestResourceStream(ResourceName);
        if (resource is null) return null;
        // The resource stream reads the single file's mapping in place; it is seekable, so the zip is
        // read from it directly rather than from a copy on the heap.
        if (hash is null)
        {
            hash = Convert.ToHexStringLower(SHA256.HashData(resource))[..16];
            resource.Position = 0;
        }
        var target = Path.Combine(dataDir, "bundle", hash);
        if (Directory.Exists(target)) return target;

        var temp = target + ".tmp-" + Environment.ProcessId;
        if (Directory.Exists(temp)) Directory.Delete(temp, true);
        Directory.CreateDirectory(temp);
        using (var zip = new ZipArchive(resource, ZipArchiveMode.Read, leaveOpen: true))
            zip.ExtractToDirectory(temp);
        try
        {
            Directory.Move(temp, target);
        }
        catch (IOException) when (Directory.Exists(target))
        {
            // Another process unpacked the same bundle first; theirs is identical.
            Directory.Delete(temp, true);
        }
        return target;
    }

    // First 16 hex digits of the zip's SHA-256, stamped in by the build; null for a binary built without it.
    private static string? BuiltHash() =>
        typeof(EmbeddedBundle).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "PluginMesh.BundleSha256")?.Value?.ToLowerInvariant()[..16];
}
