namespace PluginMesh.Abstractions.Status;

/// <summary>
/// A GET route a plugin adds to the agent's admin endpoint, next to the host's <c>/healthz</c>,
/// <c>/readyz</c>, <c>/status</c> and <c>/metrics</c> (e.g. <c>tunnel.libp2p</c>'s <c>/ping</c>).
/// Registered in the service container like <see cref="IStatusContributor"/>; the host maps every one.
/// </summary>
/// <remarks>
/// <para>Thread safety: called concurrently on request threads; <see cref="Path"/> is read once, when the endpoint is built.</para>
/// <para>Cancellation: the token is cancelled when the caller goes away or the agent stops; stop then (what was cancelled needs no answer).</para>
/// <para>
/// Errors: answer expected outcomes — bad input, a peer that cannot be reached — with a status code
/// and a body. Any other exception is a bug: the host logs it and answers 500 with
/// <c>{"error": "&lt;type&gt;: &lt;message&gt;"}</c>. A path that is not free (the host's, another
/// route's) or does not start with <c>/</c> stops the agent before it starts, naming both.
/// </para>
/// <para>The admin endpoint listens on loopback or a unix socket only; a route still dials nothing a caller names that the agent would not reach on its own.</para>
/// </remarks>
public interface IAdminRoute
{
    /// <summary>The path, starting with <c>/</c>, e.g. <c>/ping</c>; constant.</summary>
    string Path { get; }

    /// <summary>Answers <c>GET</c> <see cref="Path"/>.</summary>
    /// <param name="query">Query parameters by name (case-insensitive), the first value of each.</param>
    /// <param name="cancellationToken">Cancelled when the caller goes away or the agent stops.</param>
    ValueTask<AdminRouteResult> GetAsync(IReadOnlyDictionary<string, string> query, CancellationToken cancellationToken);
}

/// <summary>A route's answer.</summary>
/// <param name="StatusCode">The HTTP status code.</param>
/// <param name="Body">A JSON-serialisable value (records, dictionaries, lists, primitives, the core's PeerId and Multiaddr), written with the options of <c>/status</c> (camelCase, indented).</param>
public sealed record AdminRouteResult(int StatusCode, object Body);
