using System.Diagnostics.CodeAnalysis;
using PluginMesh.P2p;

namespace PluginMesh.Abstractions.Tunnel;

/// <summary>
/// A way to carry raw connections (TCP, a relay circuit), dialed by multiaddr.
/// </summary>
/// <remarks>
/// Thread-safe. A dial that fails for an expected network reason (refused, timed out, a relay that
/// refuses) answers a failed <see cref="TransportDialResult"/>, which path choice hands to the
/// failover policy; cancellation of the token throws. An address the transport does not handle is
/// rejected by <see cref="CanDial"/> first, and dialing it anyway throws <see cref="ArgumentException"/> (a bug).
/// </remarks>
public interface ITransport
{
    /// <summary>Transport name, e.g. <c>tcp</c>, <c>circuit-relay</c>.</summary>
    string Name { get; }

    /// <summary>True when this transport can dial <paramref name="multiaddr"/>.</summary>
    bool CanDial(Multiaddr multiaddr);

    /// <summary>Opens a raw connection, or says why it could not.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<TransportDialResult> DialAsync(Multiaddr multiaddr, CancellationToken cancellationToken);
}

/// <summary>What <see cref="ITransport.DialAsync"/> answers: the raw connection, or the expected network outcome that prevented it.</summary>
/// <remarks>Immutable. The caller owns <see cref="Connection"/> (dispose it).</remarks>
public sealed class TransportDialResult
{
    private TransportDialResult(ITransportConnection? connection, TunnelFailure failure, string? error)
    {
        Connection = connection;
        Ok = connection is not null;
        Failure = failure;
        Error = error;
    }

    /// <summary>True when <see cref="Connection"/> is open; false when <see cref="Failure"/> and <see cref="Error"/> say why not.</summary>
    [MemberNotNullWhen(true, nameof(Connection))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Ok { get; }

    /// <summary>The raw connection; null when <see cref="Ok"/> is false.</summary>
    public ITransportConnection? Connection { get; }

    /// <summary>Why no connection was made; meaningless when <see cref="Ok"/>.</summary>
    public TunnelFailure Failure { get; }

    /// <summary>What went wrong, naming the plugin and the address; null when <see cref="Ok"/>.</summary>
    public string? Error { get; }

    /// <summary>A connection was made.</summary>
    public static TransportDialResult Connected(ITransportConnection connection) => new(connection ?? throw new ArgumentNullException(nameof(connection)), default, null);

    /// <summary>No connection, for an expected reason.</summary>
    public static TransportDialResult Failed(TunnelFailure failure, string error) => new(null, failure, error ?? throw new ArgumentNullException(nameof(error)));
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
