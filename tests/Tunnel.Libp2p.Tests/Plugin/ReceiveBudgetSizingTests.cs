using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Plugin;

/// <summary>The node-wide receive budget's size, from files laid out like /proc and /sys/fs/cgroup in a temp directory.</summary>
public sealed class ReceiveBudgetSizingTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pm-cgroup-").FullName;

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    [Fact]
    public void Resolve_Configured_WinsOverTheCgroup()
    {
        Write("sys/fs/cgroup/memory.max", "268435456\n");
        Assert.Equal((32L << 20, "config"), ReceiveBudgetSizing.Resolve(32, _root));
    }

    [Fact]
    public void Resolve_PodLimit256Mi_IsHalfOfIt()
    {
        // Inside a container's cgroup namespace: "0::/" and the limit at the cgroup root.
        Write("proc/self/cgroup", "0::/\n");
        Write("sys/fs/cgroup/memory.max", "268435456\n");
        Assert.Equal((128L << 20, "cgroup"), ReceiveBudgetSizing.Resolve(0, _root));
    }

    [Fact]
    public void Resolve_SystemdUnitMemoryMax_IsFoundThroughProcSelfCgroup()
    {
        Write("proc/self/cgroup", "0::/system.slice/pluginmesh.service\n");
        Write("sys/fs/cgroup/memory.max", "max\n");
        Write("sys/fs/cgroup/system.slice/pluginmesh.service/memory.max", "1073741824\n");
        Assert.Equal((512L << 20, "cgroup"), ReceiveBudgetSizing.Resolve(0, _root));
    }

    [Theory]
    [InlineData("sys/fs/cgroup/memory.max", "max\n")]
    [InlineData("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n")]
    [InlineData("sys/fs/cgroup/memory.max", "garbage\n")]
    public void Resolve_NoLimit_IsTheDefault(string file, string text)
    {
        Write(file, text);
        Assert.Equal((ReceiveBudgetSizing.Default, "default"), ReceiveBudgetSizing.Resolve(0, _root));
    }

    [Fact]
    public void Resolve_TinyLimit_KeepsTheFloor()
    {
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", "16777216\n");
        Assert.Equal((ReceiveBudgetSizing.Floor, "cgroup"), ReceiveBudgetSizing.Resolve(0, _root));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
