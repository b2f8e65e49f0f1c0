using System.Diagnostics;
using System.Net.Sockets;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Netns;

/// <summary>
/// Network namespaces made by one test (names <c>pml2p&lt;id&gt;&lt;role&gt;</c>), linked by veth pairs
/// created directly inside them (nothing appears in the root namespace), deleted on dispose.
/// </summary>
internal sealed class NetnsLab : IDisposable
{
    public const string Prefix = "pml2p";
    private readonly string _id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2));
    private readonly List<string> _namespaces = [];
    private readonly Dictionary<string, NetnsSocketThread> _threads = [];

    /// <summary>Creates namespace <paramref name="role"/> with loopback up; returns its full name.</summary>
    public string Add(string role)
    {
        var name = Prefix + _id + role;
        Run("ip", "netns", "add", name);
        _namespaces.Add(name);
        Run("ip", "-n", name, "link", "set", "lo", "up");
        return name;
    }

    /// <summary>A veth pair between two namespaces with an address (CIDR) on each end.</summary>
    public static void Link(string nsA, string ifA, string cidrA, string nsB, string ifB, string cidrB)
    {
        Run("ip", "link", "add", "name", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB);
        Run("ip", "-n", nsA, "addr", "add", cidrA, "dev", ifA);
        Run("ip", "-n", nsB, "addr", "add", cidrB, "dev", ifB);
        Run("ip", "-n", nsA, "link", "set", ifA, "up");
        Run("ip", "-n", nsB, "link", "set", ifB, "up");
    }

    /// <summary>Makes <paramref name="router"/> a NAT: forwarding on, MASQUERADE out of <paramref name="wan"/> (endpoint-independent, port-preserving here).</summary>
    public static void Masquerade(string router, string wan)
    {
        Run("ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        Run("ip", "netns", "exec", router, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", wan, "-j", "MASQUERADE");
    }

    public static void DefaultRoute(string ns, string via) => Run("ip", "-n", ns, "route", "add", "default", "via", via);

    public static void Route(string ns, string cidr, string via) => Run("ip", "-n", ns, "route", "add", cidr, "via", via);

    /// <summary>Creates sockets inside <paramref name="ns"/>.</summary>
    public Func<AddressFamily, Socket> Sockets(string ns)
    {
        if (!_threads.TryGetValue(ns, out var thread)) _threads[ns] = thread = new NetnsSocketThread(ns);
        return thread.Create;
    }

    /// <summary>Deletes namespaces left by earlier, killed runs.</summary>
    public static void DeleteLeftovers()
    {
        foreach (var line in Run("ip", "netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (name.StartsWith(Prefix, StringComparison.Ordinal)) TryRun("ip", "netns", "del", name);
        }
    }

    public void Dispose()
    {
        foreach (var t in _threads.Values) t.Dispose();
        foreach (var ns in _namespaces) TryRun("ip", "netns", "del", ns);
    }

    public static string Run(string file, params string[] args)
    {
        var (code, output, error) = Exec(file, args);
        if (code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {code}: {error}");
        return output;
    }

    private static void TryRun(string file, params string[] args) => Exec(file, args);

    private static (int Code, string Output, string Error) Exec(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(30_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        return (p.ExitCode, output.GetAwaiter().GetResult(), error);
    }
}
