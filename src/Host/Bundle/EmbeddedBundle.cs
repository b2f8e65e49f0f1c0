using System.IO.Compression;
using System.Security.Cryptography;

namespace PluginMesh.Host.Bundle;

/// <summary>
/// The default plugins and policies carried inside the single-file binary (resource
/// <c>PluginMesh.bundle.zip</c>, added by <c>build/publish.sh</c>). Unpacked once per bundle
/// content into <c>&lt;dataDir&gt;/bundle/&lt;hash&gt;/</c>, atomically, so a crash mid-unpack
/// leaves nothing half-written in use.
/// </summary>
internal static class EmbeddedBundle
{
    private const string ResourceName = "PluginMesh.bundle.zip";

    public static bool Present => typeof(EmbeddedBundle).Assembly.GetManifestResourceInfo(ResourceName) is not null;

    private static readonly Lock Gate = new();
    private static (string DataDir, string? Directory)? _unpacked;

    /// <summary>
    /// Unpacks the bundle if needed; returns its directory, or null when the binary carries none.
    /// Plugins and policies both ask at start-up: the bundle is read and hashed once per process.
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
        using var resource = typeof(EmbeddedBundle).Assembly.GetManifestResourceStream(ResourceName);
        if (resource is null) return null;
        using var buffer = new MemoryStream();
        resource.CopyTo(buffer);
        var hash = Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))[..16];
        var target = Path.Combine(dataDir, "bundle", hash);
        if (Directory.Exists(target)) return target;

        var temp = target + ".tmp-" + Environment.ProcessId;
        if (Directory.Exists(temp)) Directory.Delete(temp, true);
        Directory.CreateDirectory(temp);
        buffer.Position = 0;
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Read))
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
}
