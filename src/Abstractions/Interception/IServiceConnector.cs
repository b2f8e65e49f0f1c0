using System.Net;
using PluginMesh.Abstractions.Catalog;

namespace PluginMesh.Abstractions.Interception;

/// <summary>Why <see cref="IServiceConnector.ConnectAsync"/> gave no connection.</summary>
public enum ServiceConnectFailure
{
    /// <summary>Connected.</summary>
    None,
    /// <summary>The catalog has no such service, or the service has no such TCP port.</summary>
    NoService,
    /// <summary>The service port has no ready endpoint (or none this node may use, e.g. <c>externalTrafficPolicy: Local</c>).</summary>
    NoEndpoints,
    /// <summary>Every endpoint the failover policy let us try failed (refused, timed out, no path to its node).</summary>
    Unreachable,
}

/// <summary>
/// A connection to one endpoint of a service, opened by <see cref="IServiceConnector"/>: a local socket
/// or a stream through the mesh tunnel to the endpoint's node. Dispose closes it gracefully.
/// </summary>
public interface IServiceConnection : IAsyncDisposable
{
    /// <summary>The bytes both ways. Reading 0 means the endpoint closed its write side.</summary>
    Stream Stream { get; }

    /// <summary>The endpoint chosen (<c>10.244.1.5:8080</c>).</summary>
    IPEndPoint Endpoint { get; }

    /// <summary>Node of the endpoint, when known.</summary>
    string? NodeName { get; }

    /// <summary>How it is carried: <c>local</c>, <c>direct</c> or <c>tunnel</c>.</summary>
    string Path { get; }

    /// <summary>Half-closes our write side (the endpoint reads end-of-stream; we can still read).</summary>
    ValueTask CloseWriteAsync(CancellationToken cancellationToken = default);

    /// <summary>Aborts both directions at once (the endpoint sees a reset).</summary>
    void Abort();
}

/// <summary>The outcome of <see cref="IServiceConnector.ConnectAsync"/>: a connection, or why not.</summary>
/// <param name="Connection">The connection, or null when <paramref name="Failure"/> is not <see cref="ServiceConnectFailure.None"/>.</param>
/// <param name="Failure">Why there is none.</param>
/// <param name="Message">What happened, for logs and error pages (empty on success).</param>
public sealed record ServiceConnectResult(IServiceConnection? Connection, ServiceConnectFailure Failure, string Message)
{
    /// <summary>A failed result.</summary>
    public static ServiceConnectResult Failed(ServiceConnectFailure failure, string message) => new(null, failure, message);
}

/// <summary>
/// Opens TCP connections to a service the way intercepted ClusterIP traffic is carried: the same
/// endpoint choice (load-balancing policy, session affinity, ejection of failing endpoints), the same
/// failover policy and the same paths (local, direct, or through the tunnel to the endpoint's node).
/// Provided by the proxy plugin (capability <see cref="Plugins.Capabilities.ServiceConnector"/>) for
/// plugins that accept traffic themselves — an ingress gateway — so that they balance and fail over
/// exactly as service traffic does.
/// </summary>
/// <remarks>
/// Thread-safe. Expected outcomes are values (<see cref="ServiceConnectResult"/>); it throws only for
/// cancellation of <c>cancellationToken</c> and for bugs. Connections count in the proxy's metrics
/// like intercepted ones.
/// </remarks>
public interface IServiceConnector
{
    /// <summary>
    /// Connects to an endpoint of <paramref name="service"/>'s TCP port <paramref name="port"/> (the
    /// service port, as in <see cref="ServicePort.Port"/>).
    /// </summary>
    /// <param name="service">The service.</param>
    /// <param name="port">The service port number.</param>
    /// <param name="client">The original client's address (session affinity, consistent hashing), or null.</param>
    /// <param name="cancellationToken">Stops the attempt.</param>
    ValueTask<ServiceConnectResult> ConnectAsync(ServiceKey service, int port, IPAddress? client, CancellationToken cancellationToken);
}
