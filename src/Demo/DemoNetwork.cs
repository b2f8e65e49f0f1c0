using System.Net;
using System.Net.Sockets;

namespace PluginMesh.Demo;

/// <summary>
/// Where the demo's agents live and how the demo reaches them: on loopback as plain processes, or
/// (<c>--netns</c>) in network namespaces behind real NATs. The story is the same; only these
/// mechanics differ.
/// </summary>
internal abstract class DemoNetwork : IAsyncDisposable
{
    /// <summary>Shown in progress lines and the summary.</summary>
    public abstract string Description { get; }

    /// <summary>True when the edges can reach each other directly once a hole is punched.</summary>
    public abstract bool CanHolePunch { get; }

    public virtual Task SetUpAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>The admin endpoint for an agent as <c>admin.listen</c> text (the demo process must be able to reach it).</summary>
    public abstract string Admin(string agent, string workDir);

    /// <summary>
    /// Where the demo's Kubernetes API server listens: an address every agent (and the demo) can reach,
    /// as a cluster's control plane would be.
    /// </summary>
    public abstract IPAddress ApiAddress { get; }

    /// <summary>Makes the API server's listening socket where <see cref="ApiAddress"/> lives; null: an ordinary socket of the demo process.</summary>
    public virtual Func<Socket>? ApiSocket => null;

    /// <summary>The InternalIP of <paramref name="agent"/>'s Node, as its kubelet would register it.</summary>
    public abstract string NodeAddress(string agent);

    /// <summary>Words put before the agent's own command line (e.g. <c>ip netns exec NS</c>).</summary>
    public virtual IReadOnlyList<string> Launcher(string agent) => [];

    /// <summary>Config lines under <c>tunnel.libp2p</c> for relay <paramref name="index"/> (0-based).</summary>
    public abstract string RelayTunnel(int index);

    /// <summary>Config lines under <c>tunnel.libp2p</c> for an edge.</summary>
    public abstract string EdgeTunnel(int index);

    /// <summary>Config lines under <c>dns.mdns</c> for an edge.</summary>
    public abstract string EdgeDns(int index);

    /// <summary>Config lines under <c>proxy.iptables</c> for an edge.</summary>
    public abstract string EdgeProxy(int index);

    /// <summary>The backend "pod" address of edge <paramref name="index"/>.</summary>
    public abstract IPEndPoint Backend(int index, int port);

    /// <summary>Where edge <paramref name="index"/>'s DNS answers, as seen from a client on that node.</summary>
    public abstract IPEndPoint DnsServer(int index);

    /// <summary>Where a client on edge <paramref name="index"/> sends requests for the service (ClusterIP, or the proxy's local port).</summary>
    public abstract IPEndPoint ServiceTarget(int index, int? proxyListenPort);

    /// <summary>Makes a socket on edge <paramref name="index"/> (in its namespace, if any).</summary>
    public abstract Socket Socket(int index, AddressFamily family, SocketType type, ProtocolType protocol);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
