using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Netns;

/// <summary>
/// A thread that has entered a network namespace and creates sockets there for anyone: a socket
/// belongs to the namespace it was created in, whichever thread uses it later. This lets one test
/// process run several hosts, each in its own namespace.
/// </summary>
internal sealed partial class NetnsSocketThread : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private readonly BlockingCollection<(AddressFamily Family, TaskCompletionSource<Socket> Result)> _requests = [];
    private readonly Thread _thread;

    public NetnsSocketThread(string ns)
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() =>
        {
            using (var fd = File.OpenHandle($"/var/run/netns/{ns}"))
            {
                if (SetNs((int)fd.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    entered.SetException(new InvalidOperationException($"setns({ns}) failed: errno {Marshal.GetLastPInvokeError()}"));
                    return;
                }
            }
            entered.SetResult();
            foreach (var (family, result) in _requests.GetConsumingEnumerable())
            {
                try
                {
                    result.SetResult(new Socket(family, SocketType.Stream, ProtocolType.Tcp));
                }
                catch (SocketException e)
                {
                    result.SetException(e);
                }
            }
        })
        { IsBackground = true, Name = "netns " + ns };
        _thread.Start();
        entered.Task.GetAwaiter().GetResult();
    }

    public Socket Create(AddressFamily family)
    {
        var result = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests.Add((family, result));
        return result.Task.GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _requests.CompleteAdding();
        _thread.Join();
        _requests.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
