using System.Diagnostics;
using System.Globalization;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>
/// Network namespaces made by one test (<c>pme2e-&lt;pid&gt;-&lt;random&gt;-&lt;role&gt;</c>), joined by veth pairs
/// created directly inside them and by bridges living in a namespace of their own, so nothing
/// appears in the root namespace. Dispose kills the processes started in them first (a namespace
/// lives on while a process is inside), then deletes every namespace, which takes the veths,
/// bridges and iptables rules with it. Namespaces of earlier runs whose process is gone are
/// deleted on creation.
/// </summary>
internal sealed class NetnsLab : IDisposable
{
    public const string Prefix = "pme2e-";
    private readonly string _tag = $"{Environment.ProcessId}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2))}";
    private readonly List<string> _namespaces = [];
    private readonly Dictionary<string, NetnsSockets> _sockets = [];
    private readonly List<IDisposable> _owned = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    public NetnsLab()
    {
        Assert.True(Environment.IsPrivilegedProcess, "end-to-end tests create network namespaces and need root");
        RemoveLeftovers();
    }

    /// <summary>Creates namespace <paramref name="role"/> with loopback up; returns its full name.</summary>
    public string Add(string role)
    {
        var name = $"{Prefix}{_tag}-{role}";
        Shell.Run("ip", "netns", "add", name);
        lock (_gate) _namespaces.Add(name);
        Ip("-n", name, "link", "set", "lo", "up");
        return name;
    }

    /// <summary>A bridge <paramref name="bridge"/> inside <paramref name="ns"/>, up, multicast flooded (no snooping).</summary>
    public static void Bridge(string ns, string bridge)
    {
        Ip("-n", ns, "link", "add", bridge, "type", "bridge", "mcast_snooping", "0");
        Ip("-n", ns, "link", "set", bridge, "up");
    }

    /// <summary>A veth from <paramref name="ns"/> (<paramref name="ifName"/>, <paramref name="cidr"/>) to a port of <paramref name="bridge"/> in <paramref name="bridgeNs"/>.</summary>
    public static void Plug(string ns, string ifName, string cidr, string bridgeNs, string bridge, string port)
    {
        Ip("link", "add", "name", ifName, "netns", ns, "type", "veth", "peer", "name", port, "netns", bridgeNs);
        Ip("-n", bridgeNs, "link", "set", port, "master", bridge);
        Ip("-n", bridgeNs, "link", "set", port, "up");
        Ip("-n", ns, "addr", "add", cidr, "dev", ifName);
        Ip("-n", ns, "link", "set", ifName, "up");
    }

    /// <summary>A veth pair between two namespaces with an address (CIDR) on each end.</summary>
    public static void Link(string nsA, string ifA, string cidrA, string nsB, string ifB, string cidrB)
    {
        Ip("link", "add", "name", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB);
        Ip("-n", nsA, "addr", "add", cidrA, "dev", ifA);
        Ip("-n", nsB, "addr", "add", cidrB, "dev", ifB);
        Ip("-n", nsA, "link", "set", ifA, "up");
        Ip("-n", nsB, "link", "set", ifB, "up");
    }

    public static string Ip(params string[] args) => Shell.Run("ip", args);

    /// <summary>Runs a command inside <paramref name="ns"/>; throws on failure.</summary>
    public static string Exec(string ns, params string[] args) => Shell.Run("ip", ["netns", "exec", ns, .. args]);

    /// <summary>Socket factory for <paramref name="ns"/> (one thread per namespace, kept until dispose).</summary>
    public NetnsSockets Sockets(string ns)
    {
        lock (_gate)
        {
            if (!_sockets.TryGetValue(ns, out var s)) _sockets[ns] = s = new NetnsSockets(ns);
            return s;
        }
    }

    /// <summary>Something to dispose before the namespaces go (agents, servers).</summary>
    public T Own<T>(T disposable) where T : IDisposable
    {
        lock (_gate) _owned.Add(disposable);
        return disposable;
    }

    public void Dispose()
    {
        List<IDisposable> owned;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            owned = [.. _owned];
        }
        owned.Reverse();
        foreach (var d in owned)
        {
            try
            {
                d.Dispose();
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
                // keep cleaning up
            }
        }
        foreach (var s in _sockets.Values) s.Dispose();
        foreach (var ns in _namespaces) Shell.Exec("ip", "netns", "del", ns);
    }

    private static void RemoveLeftovers()
    {
        foreach (var line in Shell.Exec("ip", "netns", "list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (!name.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            var pidText = name[Prefix.Length..].Split('-')[0];
            if (int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                KillProcessesIn(name);
                Shell.Exec("ip", "netns", "del", name);
            }
        }
    }

    /// <summary>Kills processes left inside a namespace of a crashed run (they would keep it alive).</summary>
    private static void KillProcessesIn(string ns)
    {
        foreach (var pid in Shell.Exec("ip", "netns", "pids", ns).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(pid.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id)) continue;
            try
            {
                using var p = Process.GetProcessById(id);
                p.Kill(entireProcessTree: true);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // already gone
            }
        }
    }
}
