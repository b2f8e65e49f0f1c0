namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>
/// Why a request found no answer upstream — the connector gave no connection, or a try timed out —
/// with the status and the short text the client gets (a value carried through YARP's error path,
/// not a bug).
/// </summary>
/// <param name="status">Status for the client: 503 (no service, no endpoints), 502 (unreachable), 504 (timeout).</param>
/// <param name="flag">Envoy response flag for the access log (<c>NR</c>, <c>NH</c>, <c>UF</c>, <c>UT</c>).</param>
/// <param name="detail">What happened, for the client and the access log.</param>
/// <param name="connectFailure">True when no byte of the request reached the endpoint (safe to retry).</param>
internal sealed class UpstreamException(int status, string flag, string detail, bool connectFailure) : IOException(detail)
{
    public int Status { get; } = status;

    public string Flag { get; } = flag;

    public bool ConnectFailure { get; } = connectFailure;

    /// <summary>The connector's failure as the client sees it.</summary>
    public static UpstreamException From(ServiceConnectResult result, ServiceKey service, int port) => result.Failure switch
    {
        ServiceConnectFailure.NoService => new(503, "NR", $"no service {service} with port {port}: {result.Message}", true),
        ServiceConnectFailure.NoEndpoints => new(503, "NH", $"no ready endpoint of {service}:{port}: {result.Message}", true),
        _ => new(502, "UF", $"no endpoint of {service}:{port} could be reached: {result.Message}", true),
    };

    /// <summary>The first <see cref="UpstreamException"/> in <paramref name="e"/>'s chain, or null.</summary>
    public static UpstreamException? Find(Exception? e) => Find<UpstreamException>(e);

    /// <summary>The first <typeparamref name="T"/> in <paramref name="e"/>'s chain of inner exceptions, itself included.</summary>
    public static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found) return found;
        }
        return null;
    }
}
