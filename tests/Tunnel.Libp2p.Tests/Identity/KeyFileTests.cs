using PluginMesh.Plugins.Tunnel.Libp2p.Identity;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Identity;

public sealed class KeyFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-key-").FullName;

    [Fact]
    public void LoadOrCreate_FirstCall_CreatesOwnerOnlyFileAndSecondCallReusesIt()
    {
        var path = Path.Combine(_dir, "sub", "identity.key");
        using var first = KeyFile.LoadOrCreate(path);
        if (OperatingSystem.IsLinux()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using var second = KeyFile.LoadOrCreate(path);
        Assert.Equal(first.PeerId, second.PeerId);
    }

    [Fact]
    public void LoadOrCreate_CorruptFile_ThrowsAndLeavesFileUntouched()
    {
        var path = Path.Combine(_dir, "bad.key");
        File.WriteAllBytes(path, [1, 2, 3]);
        var e = Assert.Throws<FormatException>(() => KeyFile.LoadOrCreate(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
