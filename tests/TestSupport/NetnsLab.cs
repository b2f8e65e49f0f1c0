using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace PluginMesh.TestSupport;

/// <summary>
/// Network namespaces made by one test (<c>&lt;prefix&gt;&lt;pid&gt;-&lt;random&gt;-&lt;role&gt;</c>), joined by veth
/// pairs created directly inside them and by bridges living in a namespace of their own, so nothing
/// appears in the root namespace. Dispose disposes what the test handed to <see cref="Own"/> first (a
/// namespace lives on while a process is inside), then deletes every namespace, which takes the
/// veths, bridges and iptables rules with it. Namespaces of earlier runs whose process is gone are
/// deleted on creation.
/// </summary>
public sealed class NetnsLab : IDisposable
{
    public const string DefaultPrefix = "pmtest-";
    private readonly string _prefix;
    private readonly string _tag = $"{Environment.ProcessId}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2))}";
    private readonly List<string> _namespaces = [];
    private readonly Dictionary<string, NetnsSockets> _sockets = [];
    private readonly List<IDisposable> _owned = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    /// <param name="prefix">Starts every namespace name; one per test suite, so <c>ip netns list</c> tells whose they are.</param>
    public NetnsLab(string prefix = DefaultPrefix)
    {
        Assert.True(Environment.IsPrivilegedProcess, "network namespace tests create namespaces and need root");
        _prefix = prefix;
        DeleteLeftovers(prefix);
    }

    /// <summary>Creates namespace <paramref name="role"/> with loopback up; returns its full name.</summary>
    public string Add(string role)
    {
        var name = $"{_prefix}{_tag}-{role}";
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

    /// <summary>Makes <paramref name="router"/> a NAT: forwarding on, MASQUERADE out of <paramref name="wan"/> (endpoint-independent, port-preserving here).</summary>
    public static void Masquerade(string router, string wan)
    {
        Exec(router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        Exec(router, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", wan, "-j", "MASQUERADE");
    }

    public static void DefaultRoute(string ns, string via) => Ip("-n", ns, "route", "add", "default", "via", via);

    public static void Route(string ns, string cidr, string via) => Ip("-n", ns, "route", "add", cidr, "via", via);

    public static string Ip(params string[] args) => Shell.Run("ip", args);

    /// <summary>Runs a command inside <paramref name="ns"/>; throws on failure.</summary>
    public static string Exec(string ns, params string[] args) => Shell.Run("ip", ["netns", "exec", ns, .. args]);

    /// <summary>Runs a command in the root namespace; throws on failure (<see cref="Shell.Run"/>).</summary>
    public static string Run(string file, params string[] args) => Shell.Run(file, args);

    /// <summary>Socket factory for <paramref name="ns"/> (one thread per namespace, kept until dispose).</summary>
    public NetnsSockets SocketsIn(string ns)
    {
        lock (_gate)
        {
            if (!_sockets.TryGetValue(ns, out var s)) _sockets[ns] = s = new NetnsSockets(ns);
            return s;
        }
    }

    /// <summary>Creates TCP sockets inside <paramref name="ns"/>: the socket factory a libp2p host takes.</summary>
    public Func<AddressFamily, Socket> Sockets(string ns) => SocketsIn(ns).Tcp;

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

    /// <summary>
    /// Deletes namespaces named <c>&lt;prefix&gt;&lt;pid&gt;-…</c> whose process is gone (a killed earlier run),
    /// killing what still runs inside them first; namespaces of live processes are left alone.
    /// </summary>
    public static void DeleteLeftovers(string prefix = DefaultPrefix)
    {
        foreach (var line in Shell.Exec("ip", "netns", "list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var pidText = name[prefix.Length..].Split('-')[0];
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
