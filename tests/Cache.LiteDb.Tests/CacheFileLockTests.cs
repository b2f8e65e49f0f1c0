using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Records;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests;

public sealed class CacheFileLockTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.File("cache.db");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Open_WhileAnotherProcessHoldsTheCache_ThrowsNamingThatProcess()
    {
        using var child = ChildRunner.Start("hold", DbPath);
        Assert.Equal("ready", child.ReadLine());

        using var cache = TestCaches.Create(DbPath);
        var ex = Assert.Throws<PluginMeshException>(cache.Open);

        Assert.Equal($"[cache.litedb] open cache: {DbPath} is in use by another process (pid {child.ProcessId})", ex.Message);
        Assert.Equal("open cache", ex.Action);

        // Stays usable once the other process is gone: the failed attempt left nothing behind.
        child.Finish();
        cache.Open();
        await cache.Collection<EndpointEntry>("peers").UpsertAsync("p", new EndpointEntry("10.0.0.1", 1, null));
        Assert.Equal(1, cache.ChangeSequence);
    }

    [Fact]
    public void Open_AfterOwnerWasKilled_Succeeds()
    {
        using (var child = ChildRunner.Start("hold", DbPath))
        {
            Assert.Equal("ready", child.ReadLine());
            child.KillHard();
        }

        using var cache = TestCaches.Open(DbPath);
        Assert.Equal(0, cache.ChangeSequence);
    }

    [Fact]
    public async Task Open_SamePathTwiceInOneProcess_SecondThrowsAndFirstKeepsWorking()
    {
        using var first = TestCaches.Open(DbPath);
        using var second = TestCaches.Create(DbPath);

        var ex = Assert.Throws<PluginMeshException>(second.Open);

        Assert.Equal($"[cache.litedb] open cache: {DbPath} is already open in this process (pid {Environment.ProcessId})", ex.Message);
        await first.Collection<EndpointEntry>("peers").UpsertAsync("p", new EndpointEntry("10.0.0.1", 1, null));

        // The first owner still holds the OS lock: another process is refused.
        using var child = ChildRunner.Start("hold", DbPath);
        var (exitCode, stderr) = child.WaitForExit();
        Assert.NotEqual(0, exitCode);
        Assert.Contains($"{DbPath} is in use by another process (pid {Environment.ProcessId})", stderr, StringComparison.Ordinal);
    }
}
