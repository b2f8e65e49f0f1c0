using System.Diagnostics.CodeAnalysis;
using PluginMesh.P2p;

namespace PluginMesh.Abstractions.Tunnel;

/// <summary>How a connection to a peer is carried. Its one text form is <see cref="PathKinds.ToText"/>.</summary>
public enum PathKind
{
    /// <summary>A direct dial.</summary>
    Direct,
    /// <summary>A direct connection made by hole punching.</summary>
    HolePunched,
    /// <summary>Through a relay peer.</summary>
    Relayed,
}

/// <summary>Who to open a stream to. At least one of the fields must be set.</summary>
/// <param name="NodeName">Node name, resolved through the node directory.</param>
/// <param name="PeerId">The peer.</param>
/// <param name="Addresses">Multiaddrs to try (direct or <c>/p2p-circuit</c>).</param>
/// <param name="DirectOnly">
/// Only a direct (or hole-punched) connection or a direct address will do, never a relayed connection
/// or a circuit: a relay's hop protocol refuses RESERVE and CONNECT that arrive over a relayed
/// connection (Circuit Relay v2), so a client reaching the relay through another relay is refused.
/// </param>
public sealed record PeerTarget(string? NodeName = null, PeerId? PeerId = null, IReadOnlyList<Multiaddr>? Addresses = null, bool DirectOnly = false)
{
    /// <inheritdoc />
    public override string ToString() => NodeName ?? PeerId?.ToString() ?? string.Join(",", Addresses ?? []);
}

/// <summary>The remote end of a stream.</summary>
/// <param name="PeerId">Remote PeerId.</param>
/// <param name="NodeName">Remote node name when known.</param>
/// <param name="Path">How the underlying connection is carried.</param>
/// <param name="RemoteAddress">Remote multiaddr of the underlying connection.</param>
public sealed record RemotePeer(PeerId PeerId, string? NodeName, PathKind Path, Multiaddr RemoteAddress);

/// <summary>
/// One bidirectional stream to a peer, already negotiated for <see cref="Protocol"/>.
/// </summary>
/// <remarks>
/// Reading and writing may happen concurrently from two threads (one reader, one writer).
/// <see cref="CloseWriteAsync"/> half-closes (the remote reads end-of-stream; we can still read).
/// <see cref="Reset"/> aborts both directions at once; the remote sees a reset, never a hang.
/// Disposing closes gracefully. Read returning 0 means the remote closed its write side.
/// </remarks>
public interface IMeshStream : IAsyncDisposable
{
    /// <summary>Negotiated protocol id.</summary>
    string Protocol { get; }

    /// <summary>The remote end.</summary>
    RemotePeer Remote { get; }

    /// <summary>A <see cref="System.IO.Stream"/> view for reading and writing.</summary>
    Stream Stream { get; }

    /// <summary>Half-closes our write side.</summary>
    ValueTask CloseWriteAsync(CancellationToken cancellationToken = default);

    /// <summary>Aborts the stream in both directions.</summary>
    void Reset();
}

/// <summary>Handles an inbound stream; the host disposes the stream when the task completes.</summary>
public delegate Task MeshStreamHandler(IMeshStream stream, CancellationToken cancellationToken);

/// <summary>
/// The mesh tunnel: opens streams to peers by node name, PeerId or address, and accepts streams
/// by protocol id. Path choice (existing connection, direct, hole punch, relay) is internal.
/// </summary>
/// <remarks>
/// Thread-safe. When no path works, <see cref="OpenStreamAsync"/> answers a failed
/// <see cref="OpenStreamResult"/> (a <see cref="TunnelFailure"/> and a message): expected network
/// outcomes are values for the caller's policies. It throws only for cancellation of its token
/// (dialing stops cleanly) and for bugs. Handlers run on pool threads; one handler per protocol id.
/// </remarks>
public interface IMeshTunnel
{
    /// <summary>This agent's PeerId.</summary>
    PeerId LocalPeerId { get; }

    /// <summary>Opens a stream to <paramref name="target"/> negotiated for <paramref name="protocol"/>, or says why it could not.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<OpenStreamResult> OpenStreamAsync(PeerTarget target, string protocol, CancellationToken cancellationToken);

    /// <summary>Registers the handler for <paramref name="protocol"/>; disposing unregisters.</summary>
    IDisposable RegisterHandler(string protocol, MeshStreamHandler handler);
}

/// <summary>Why a tunnel operation failed: a value for policies and metrics.</summary>
public enum TunnelFailure
{
    /// <summary>Name or peer not known.</summary>
    Unresolved,
    /// <summary>Connection refused.</summary>
    Refused,
    /// <summary>Timed out.</summary>
    Timeout,
    /// <summary>Reset by the remote.</summary>
    Reset,
    /// <summary>Remote does not speak the protocol.</summary>
    ProtocolNotSupported,
    /// <summary>Security handshake failed (wrong PSK, wrong PeerId).</summary>
    Handshake,
    /// <summary>A relay refused (full, no reservation).</summary>
    RelayRefused,
    /// <summary>A local limit was hit.</summary>
    LimitExceeded,
}

/// <summary>
/// What <see cref="IMeshTunnel.OpenStreamAsync"/> answers: the stream, or the expected network outcome
/// that prevented it (refused, timed out, relay refused, no path…) with a message naming the plugin
/// and the target.
/// </summary>
/// <remarks>Immutable. The caller owns <see cref="Stream"/> (dispose it).</remarks>
public sealed class OpenStreamResult
{
    private OpenStreamResult(IMeshStream? stream, TunnelFailure failure, string? error)
    {
        Stream = stream;
        Ok = stream is not null;
        Failure = failure;
        Error = error;
    }

    /// <summary>True when <see cref="Stream"/> is open; false when <see cref="Failure"/> and <see cref="Error"/> say why not.</summary>
    [MemberNotNullWhen(true, nameof(Stream))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Ok { get; }

    /// <summary>The open stream; null when <see cref="Ok"/> is false.</summary>
    public IMeshStream? Stream { get; }

    /// <summary>Why no stream was opened, for policies and metrics; meaningless when <see cref="Ok"/>.</summary>
    public TunnelFailure Failure { get; }

    /// <summary>What went wrong, e.g. <c>[tunnel.libp2p] open stream to node-b via …: connection refused</c>; null when <see cref="Ok"/>.</summary>
    public string? Error { get; }

    /// <summary>A stream was opened.</summary>
    public static OpenStreamResult Opened(IMeshStream stream) => new(stream ?? throw new ArgumentNullException(nameof(stream)), default, null);

    /// <summary>No stream, for an expected reason.</summary>
    public static OpenStreamResult Failed(TunnelFailure failure, string error) => new(null, failure, error ?? throw new ArgumentNullException(nameof(error)));

    /// <inheritdoc />
    public override string ToString() => Ok ? $"opened {Stream.Protocol} to {Stream.Remote.PeerId}" : $"{Failure}: {Error}";
}

/// <summary>
/// A tunnel operation failed for an expected network reason, where the contract is a stream or a
/// call that cannot return a value (<see cref="IPeerNetwork.AcceptInboundAsync"/>, <see cref="IPeerNetwork.PingAsync"/>).
/// </summary>
public sealed class TunnelException(TunnelFailure failure, string message, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>The reason, for policies.</summary>
    public TunnelFailure Failure { get; } = failure;
}
