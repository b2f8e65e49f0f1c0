using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PluginMesh.Plugins.Proxy.Iptables.Netns;

/// <summary>
/// Creates sockets inside a named network namespace (<c>/run/netns/NAME</c>). setns(2) switches
/// only the calling thread, so one dedicated thread enters the namespace and creates every socket;
/// the sockets stay in that namespace whichever thread later uses them.
/// </summary>
public sealed class NetnsSocketFactory : ISocketFactory, IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private readonly BlockingCollection<Request> _requests = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts the namespace thread.</summary>
    /// <exception cref="PluginMeshException">The namespace cannot be entered.</exception>
    public NetnsSocketFactory(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        _thread = new Thread(Run) { IsBackground = true, Name = "pluginmesh-netns-" + name };
        _thread.Start();
        _entered.Task.GetAwaiter().GetResult();
    }

    /// <summary>The namespace name.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public Socket Create(AddressFamily family, SocketType type, ProtocolType protocol)
    {
        var request = new Request(family, type, protocol);
        _requests.Add(request);
        return request.Result.Task.GetAwaiter().GetResult();
    }

    /// <inheritdoc />
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
            using SafeFileHandle fd = File.OpenHandle(Path.Combine("/run/netns", Name), FileMode.Open, FileAccess.Read);
            if (setns((int)fd.DangerousGetHandle(), CloneNewNet) != 0)
                throw new IOException($"setns into network namespace '{Name}' failed: errno {Marshal.GetLastPInvokeError()}");
            _entered.SetResult();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _entered.SetException(new PluginMeshException("proxy.iptables", "enter netns " + Name, ex.Message, ex));
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
#pragma warning disable SYSLIB1054 // DllImport keeps the plugin free of AllowUnsafeBlocks for one int-only call.
    private static extern int setns(int fd, int nstype);
#pragma warning restore SYSLIB1054

    private sealed record Request(AddressFamily Family, SocketType Type, ProtocolType Protocol)
    {
        public TaskCompletionSource<Socket> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
