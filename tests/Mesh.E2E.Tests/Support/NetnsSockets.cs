using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>
/// Creates sockets inside a named network namespace: setns(2) switches only the calling thread, so
/// one dedicated thread enters the namespace and creates every socket; a socket stays in its
/// namespace whichever thread uses it later (the same trick as proxy.iptables' NetnsSocketFactory).
/// </summary>
internal sealed class NetnsSockets : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private readonly BlockingCollection<(AddressFamily Family, SocketType Type, ProtocolType Protocol, TaskCompletionSource<Socket> Result)> _requests = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NetnsSockets(string netns)
    {
        Netns = netns;
        _thread = new Thread(Run) { IsBackground = true, Name = "e2e-netns-" + netns };
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

    public Socket Tcp() => Create(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public Socket Udp() => Create(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

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
            using SafeFileHandle fd = File.OpenHandle(Path.Combine("/run/netns", Netns), FileMode.Open, FileAccess.Read);
            if (setns((int)fd.DangerousGetHandle(), CloneNewNet) != 0)
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

    [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054 // one int-only call; no need for AllowUnsafeBlocks here
    private static extern int setns(int fd, int nstype);
#pragma warning restore SYSLIB1054
}
