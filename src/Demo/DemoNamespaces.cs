using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace PluginMesh.Demo;

/// <summary>
/// Network namespaces made by one <c>demo --netns</c> run (names <c>pmdemo&lt;id&gt;-&lt;role&gt;</c>), linked by veth
/// pairs created directly inside them; all deleted on dispose, which also removes their interfaces,
/// addresses, routes and iptables rules.
/// </summary>
internal sealed class DemoNamespaces : IDisposable
{
    public const string Prefix = "pmdemo";
    private const int CloneNewNet = 0x40000000;
    private readonly string _id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2));
    private readonly List<string> _namespaces = [];

    /// <summary>Creates the namespace for <paramref name="role"/> with loopback up; returns its name.</summary>
    public string Add(string role)
    {
        var name = $"{Prefix}{_id}-{role}";
        Run("ip", "netns", "add", name);
        _namespaces.Add(name);
        Run("ip", "-n", name, "link", "set", "lo", "up");
        return name;
    }

    /// <summary>A veth pair between two namespaces, up, with an address (CIDR) on each end that has one.</summary>
    public static void Link(string nsA, string ifA, string? cidrA, string nsB, string ifB, string? cidrB)
    {
        Run("ip", "link", "add", "name", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB);
        if (cidrA is not null) Run("ip", "-n", nsA, "addr", "add", cidrA, "dev", ifA);
        if (cidrB is not null) Run("ip", "-n", nsB, "addr", "add", cidrB, "dev", ifB);
        Run("ip", "-n", nsA, "link", "set", ifA, "up");
        Run("ip", "-n", nsB, "link", "set", ifB, "up");
    }

    /// <summary>
    /// A socket created inside <paramref name="ns"/>: a short-lived thread enters the namespace
    /// (setns is per thread) and makes it; the socket stays in that namespace wherever it is used.
    /// </summary>
    public static Socket CreateSocket(string ns, AddressFamily family, SocketType type, ProtocolType protocol)
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(Path.Combine("/run/netns", ns), FileMode.Open, FileAccess.Read);
                if (NativeMethods.Setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new DemoException($"cannot enter network namespace {ns} (errno {Marshal.GetLastPInvokeError()})", null);
                socket = new Socket(family, type, protocol);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SocketException or DemoException)
            {
                error = ex;
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw (error as DemoException ?? new DemoException($"cannot make a socket in {ns}: {error?.Message}", null));
    }

    public static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    /// <summary>Deletes every namespace this run made (best effort: a failure here must not hide the demo's result).</summary>
    public void Dispose()
    {
        foreach (var ns in _namespaces) Exec("ip", ["netns", "del", ns]);
        _namespaces.Clear();
    }

    public static string Run(string file, params string[] args)
    {
        var (code, output, error) = Exec(file, args);
        if (code != 0) throw new DemoException($"{file} {string.Join(' ', args)} failed (exit {code}): {error.Trim()}", null);
        return output;
    }

    private static (int Code, string Output, string Error) Exec(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(30_000))
        {
            p.Kill(entireProcessTree: true);
            return (-1, "", "timed out");
        }
        return (p.ExitCode, output.GetAwaiter().GetResult(), error);
    }
}
