using System.Diagnostics;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>
/// Two network namespaces joined by a veth pair (a private LAN), so multicast never reaches the
/// real interfaces. A: <c>lana</c> 10.77.0.1/24, B: <c>lanb</c> 10.77.0.2/24 (+ 10.77.0.3 for a
/// second sender), each with <c>224.0.0.0/4</c> routed to its end. Names carry the test process id,
/// and namespaces left by crashed runs (whose process is gone) are removed on creation.
/// </summary>
public sealed class NetnsLan : IDisposable
{
    private const string Prefix = "pm-mdns-";

    public NetnsLan()
    {
        Assert.True(Environment.IsPrivilegedProcess, "mDNS tests create network namespaces and need root");
        RemoveLeftovers();
        var tag = $"{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        A = Prefix + tag + "-a";
        B = Prefix + tag + "-b";
        try
        {
            Ip("netns", "add", A);
            Ip("netns", "add", B);
            Ip("link", "add", "lana", "netns", A, "type", "veth", "peer", "name", "lanb", "netns", B);
            Ip("-n", A, "addr", "add", "10.77.0.1/24", "dev", "lana");
            Ip("-n", B, "addr", "add", "10.77.0.2/24", "dev", "lanb");
            Ip("-n", B, "addr", "add", "10.77.0.3/24", "dev", "lanb");
            foreach (var (ns, dev) in new[] { (A, "lana"), (B, "lanb") })
            {
                Ip("-n", ns, "link", "set", "lo", "up");
                Ip("-n", ns, "link", "set", dev, "up");
                Ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", dev);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string A { get; }

    public string B { get; }

    /// <summary>Runs <c>ip</c>; throws with its output when it fails.</summary>
    public static string Ip(params string[] args)
    {
        var (code, output) = Run("ip", args);
        if (code != 0) throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({code}): {output}");
        return output;
    }

    public void Dispose()
    {
        Run("ip", ["netns", "del", A]);
        Run("ip", ["netns", "del", B]);
    }

    private static void RemoveLeftovers()
    {
        var (_, list) = Run("ip", ["netns", "list"]);
        foreach (var line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (!name.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            var pid = name[Prefix.Length..].Split('-')[0];
            if (int.TryParse(pid, out var id) && IsAlive(id)) continue;
            Run("ip", ["netns", "del", name]);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static (int Code, string Output) Run(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }
}
