using System.Diagnostics;

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

    /// <summary>Creates a namespace with lo up and a veth holding the default route, so ClusterIPs are routable.</summary>
    public static TestNetns Create()
    {
        var ns = new TestNetns($"{Prefix}{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}");
        try
        {
            Sh("ip", "netns", "add", ns.Name);
            Sh("ip", "-n", ns.Name, "link", "set", "lo", "up");
            // No dummy driver on this kernel; a veth pair kept inside the namespace does the same job.
            Sh("ip", "-n", ns.Name, "link", "add", "pm0", "type", "veth", "peer", "name", "pm1");
            Sh("ip", "-n", ns.Name, "addr", "add", "10.0.0.1/24", "dev", "pm0");
            Sh("ip", "-n", ns.Name, "link", "set", "pm0", "up");
            Sh("ip", "-n", ns.Name, "link", "set", "pm1", "up");
            Sh("ip", "-n", ns.Name, "route", "add", "default", "dev", "pm0");
        }
        catch
        {
            ns.Dispose();
            throw;
        }
        return ns;
    }

    /// <summary>
    /// A "pod" namespace wired to this one by a veth pair (pod 10.1.0.2 → node 10.1.0.1, default
    /// route via the node), so its traffic to ClusterIPs enters the node through PREROUTING.
    /// </summary>
    public TestNetns CreatePod()
    {
        var pod = new TestNetns($"{Prefix}{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}");
        try
        {
            Sh("ip", "netns", "add", pod.Name);
            Sh("ip", "-n", Name, "link", "add", "pv0", "type", "veth", "peer", "name", "pv1");
            Sh("ip", "-n", Name, "link", "set", "pv1", "netns", pod.Name);
            Sh("ip", "-n", Name, "addr", "add", "10.1.0.1/24", "dev", "pv0");
            Sh("ip", "-n", Name, "link", "set", "pv0", "up");
            Sh("ip", "-n", pod.Name, "link", "set", "lo", "up");
            Sh("ip", "-n", pod.Name, "addr", "add", "10.1.0.2/24", "dev", "pv1");
            Sh("ip", "-n", pod.Name, "link", "set", "pv1", "up");
            Sh("ip", "-n", pod.Name, "route", "add", "default", "via", "10.1.0.1");
        }
        catch
        {
            pod.Dispose();
            throw;
        }
        return pod;
    }

    /// <summary>Runs a command inside the namespace; throws on a non-zero exit.</summary>
    public string Exec(string? stdin, params string[] args) => Sh(stdin, ["netns", "exec", Name, .. args]);

    public void Dispose() => Run(null, "ip", ["netns", "del", Name]);

    /// <summary>Deletes namespaces left by earlier test processes that are no longer running.</summary>
    public static void DeleteLeftovers()
    {
        var list = Run(null, "ip", ["netns", "list"]).Stdout;
        foreach (var line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (!name.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            var pidText = name[Prefix.Length..].Split('-')[0];
            if (int.TryParse(pidText, out var pid) && pid != Environment.ProcessId && !Alive(pid)) Run(null, "ip", ["netns", "del", name]);
        }
    }

    private static bool Alive(int pid) => Directory.Exists($"/proc/{pid}");

    private static string Sh(params string[] args) => Sh(null, args[1..], args[0]);

    private static string Sh(string? stdin, string[] args, string file = "ip")
    {
        var r = Run(stdin, file, args);
        if (r.Exit != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({r.Exit}): {r.Stderr}");
        return r.Stdout;
    }

    private static (int Exit, string Stdout, string Stderr) Run(string? stdin, string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }
}
