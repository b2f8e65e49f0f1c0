using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace PluginMesh.TestSupport;

/// <summary>
/// Creates sockets inside a named network namespace: setns(2) switches only the calling thread, so
/// one dedicated thread enters the namespace and creates every socket; a socket stays in its
/// namespace whichever thread uses it later. This lets one test process run several hosts, each in
/// its own namespace (the same trick as proxy.iptables' NetnsSocketFactory).
/// </summary>
public sealed partial class NetnsSockets : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private readonly BlockingCollection<(AddressFamily Family, SocketType Type, ProtocolType Protocol, TaskCompletionSource<Socket> Result)> _requests = [];
    private readonly Thread _thread;
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NetnsSockets(string netns)
    {
        Netns = netns;
        _thread = new Thread(Run) { IsBackground = true, Name = "netns " + netns };
        _thread.Start();
        _entered.Task.GetAwaiter().GetResult();
    }

    public string Netns { get; }

    public Socket Create(AddressFamily family, SocketType type, ProtocolType protocol)
    {
        var result = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests.Add((family, type, protocol, result));
        return result.Task.GetAwaiter().GetResult();
    }

    /// <summary>A TCP socket; as a method group, the socket factory a libp2p host takes.</summary>
    public Socket Tcp(AddressFamily family = AddressFamily.InterNetwork) => Create(family, SocketType.Stream, ProtocolType.Tcp);

    public Socket Udp(AddressFamily family = AddressFamily.InterNetwork) => Create(family, SocketType.Dgram, ProtocolType.Udp);

    public void Dispose()
    {
        _requests.CompleteAdding();
        _thread.Join();
        _requests.Dispose();
    }

    private void Run()
    {
        try
        {
            using var fd = File.OpenHandle(Path.Combine("/run/netns", Netns));
            if (SetNs((int)fd.DangerousGetHandle(), CloneNewNet) != 0)
                throw new IOException($"setns into {Netns} failed: errno {Marshal.GetLastPInvokeError()}");
            _entered.SetResult();
        }
        catch (Exception ex)
        {
            _entered.SetException(ex);
            return;
        }

        foreach (var r in _requests.GetConsumingEnumerable())
        {
            try
            {
                r.Result.SetResult(new Socket(r.Family, r.Type, r.Protocol));
            }
            catch (SocketException ex)
            {
                r.Result.SetException(ex);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
