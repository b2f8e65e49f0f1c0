namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>
/// A network namespace made for one test and always deleted after it. Names carry the test
/// process id so a later run can tell leftovers of a crashed run from namespaces still in use.
/// </summary>
public sealed class TestNetns : IDisposable
{
    public const string Prefix = "pmproxy-";
    private static int _counter;

    private TestNetns(string name) => Name = name;

    public string Name { get; }

    /// <summary>Creates a namespace with lo up and a veth holding the default routes (IPv4 and IPv6), so ClusterIPs are routable.</summary>
    public static TestNetns Create()
    {
        var ns = new TestNetns($"{Prefix}{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}");
        try
        {
            Shell.Run("ip", "netns", "add", ns.Name);
            Shell.Run("ip", "-n", ns.Name, "link", "set", "lo", "up");
            // No dummy driver on this kernel; a veth pair kept inside the namespace does the same job.
            Shell.Run("ip", "-n", ns.Name, "link", "add", "pm0", "type", "veth", "peer", "name", "pm1");
            Shell.Run("ip", "-n", ns.Name, "addr", "add", "10.0.0.1/24", "dev", "pm0");
            Shell.Run("ip", "-n", ns.Name, "link", "set", "pm0", "up");
            Shell.Run("ip", "-n", ns.Name, "link", "set", "pm1", "up");
            Shell.Run("ip", "-n", ns.Name, "route", "add", "default", "dev", "pm0");
            // IPv6 too (no duplicate address detection: usable at once), so IPv6 ClusterIPs are routable.
            Shell.Run("ip", "-n", ns.Name, "-6", "addr", "add", "fd00:10::1/64", "dev", "pm0", "nodad");
            Shell.Run("ip", "-n", ns.Name, "-6", "route", "add", "default", "dev", "pm0");
        }
        catch
        {
            ns.Dispose();
            throw;
        }
        return ns;
    }

    /// <summary>
    /// A "pod" namespace wired to this one by a veth pair (pod 10.1.0.2 / fd00:1::2 → node 10.1.0.1 /
    /// fd00:1::1, default routes via the node), so its traffic to ClusterIPs enters the node through PREROUTING.
    /// </summary>
    public TestNetns CreatePod() => CreatePod(1);

    /// <summary>Another such "pod" namespace on subnet 10.<paramref name="net"/>.0.0/24 (pod .2, node .1; IPv6 fd00:<paramref name="net"/>::).</summary>
    public TestNetns CreatePod(int net)
    {
        var (nodeEnd, podEnd) = net == 1 ? ("pv0", "pv1") : ($"pw{net}a", $"pw{net}b");
        var pod = new TestNetns($"{Prefix}{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}");
        try
        {
            Shell.Run("ip", "netns", "add", pod.Name);
            Shell.Run("ip", "-n", Name, "link", "add", nodeEnd, "type", "veth", "peer", "name", podEnd);
            Shell.Run("ip", "-n", Name, "link", "set", podEnd, "netns", pod.Name);
            Shell.Run("ip", "-n", Name, "addr", "add", $"10.{net}.0.1/24", "dev", nodeEnd);
            Shell.Run("ip", "-n", Name, "link", "set", nodeEnd, "up");
            Shell.Run("ip", "-n", pod.Name, "link", "set", "lo", "up");
            Shell.Run("ip", "-n", pod.Name, "addr", "add", $"10.{net}.0.2/24", "dev", podEnd);
            Shell.Run("ip", "-n", pod.Name, "link", "set", podEnd, "up");
            Shell.Run("ip", "-n", pod.Name, "route", "add", "default", "via", $"10.{net}.0.1");
            Shell.Run("ip", "-n", Name, "-6", "addr", "add", $"fd00:{net}::1/64", "dev", nodeEnd, "nodad");
            Shell.Run("ip", "-n", pod.Name, "-6", "addr", "add", $"fd00:{net}::2/64", "dev", podEnd, "nodad");
            Shell.Run("ip", "-n", pod.Name, "-6", "route", "add", "default", "via", $"fd00:{net}::1");
        }
        catch
        {
            pod.Dispose();
            throw;
        }
        return pod;
    }

    /// <summary>Runs a command inside the namespace, <paramref name="stdin"/> (when not null) as its input; throws on a non-zero exit.</summary>
    public string Exec(string? stdin, params string[] args) => Shell.RunWithInput(stdin, "ip", ["netns", "exec", Name, .. args]);

    public void Dispose() => Shell.Exec("ip", "netns", "del", Name);

    /// <summary>Deletes namespaces left by earlier test processes that are no longer running.</summary>
    public static void DeleteLeftovers() => NetnsLab.DeleteLeftovers(Prefix);
}
