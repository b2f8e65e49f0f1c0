using PluginMesh.P2p;

namespace PluginMesh.Abstractions.Tunnel;

/// <summary>
/// A way to carry raw connections (TCP, a relay circuit), dialed by multiaddr.
/// </summary>
/// <remarks>
/// Thread-safe. Dial failures throw <see cref="TunnelException"/>; an address the transport does
/// not handle is rejected by <see cref="CanDial"/> first, and dialing it anyway throws
/// <see cref="ArgumentException"/>.
/// </remarks>
public interface ITransport
{
    /// <summary>Transport name, e.g. <c>tcp</c>, <c>circuit-relay</c>.</summary>
    string Name { get; }

    /// <summary>True when this transport can dial <paramref name="multiaddr"/>.</summary>
    bool CanDial(Multiaddr multiaddr);

    /// <summary>Opens a raw connection.</summary>
    ValueTask<ITransportConnection> DialAsync(Multiaddr multiaddr, CancellationToken cancellationToken);
}

/// <summary>A raw, not yet secured, connection.</summary>
public interface ITransportConnection : IAsyncDisposable
{
    /// <summary>Bytes both ways.</summary>
    Stream Stream { get; }

    /// <summary>Local multiaddr.</summary>
    Multiaddr LocalAddress { get; }

    /// <summary>Remote multiaddr (a <c>/p2p-circuit</c> address for a relayed connection).</summary>
    Multiaddr RemoteAddress { get; }
}
