using System.Net.Http;

namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>What <see cref="RetryHandler"/> needs to know about a request, set by the forwarder.</summary>
/// <param name="Route">Route name (metrics).</param>
/// <param name="Retry">The retries in effect.</param>
internal sealed record TryPolicy(string Route, HttpRetry Retry)
{
    /// <summary>Where the policy travels with the request.</summary>
    public static readonly HttpRequestOptionsKey<TryPolicy> Key = new("gateway.istio.try");
}

/// <summary>
/// Tries a request again (VirtualService <c>retries</c>) below YARP, so that a retried response never
/// reached the client: on a retriable status the response is dropped unread, on a connection failure
/// the next try opens a new connection (the connector picks the endpoint again). A request with a
/// body is tried again only when no byte of it was sent (the connection failed). Each try is bounded
/// by <see cref="HttpRetry.PerTryTimeout"/>.
/// </summary>
internal sealed class RetryHandler(HttpMessageHandler inner, GatewayMetrics metrics) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(TryPolicy.Key, out var policy)) return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var retry = policy.Retry;
        for (var attempt = 0; ; attempt++)
        {
            var last = attempt >= retry.Attempts;
            using var perTry = retry.PerTryTimeout is { } limit ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
            perTry?.CancelAfter(retry.PerTryTimeout!.Value);
            TryOutcome outcome;
            Exception failure;
            try
            {
                var response = await base.SendAsync(request, perTry?.Token ?? cancellationToken).ConfigureAwait(false);
                // A body already sent cannot be sent again.
                if (last || request.Content is not null || !RetryPolicy.Retriable(retry, TryOutcome.Status, (int)response.StatusCode)) return response;
                response.Dispose();
                metrics.Retry(policy.Route);
                continue;
            }
            catch (OperationCanceledException) when (perTry is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested)
            {
                outcome = TryOutcome.PerTryTimeout;
                failure = new UpstreamException(504, "UT", $"upstream try timed out after {retry.PerTryTimeout!.Value.TotalMilliseconds:0} ms", false);
            }
            catch (HttpRequestException e)
            {
                var upstream = UpstreamException.Find(e);
                var connect = upstream?.ConnectFailure ?? e.HttpRequestError == HttpRequestError.ConnectionError;
                outcome = connect ? TryOutcome.ConnectFailure : TryOutcome.Reset;
                failure = upstream ?? (connect
                    ? new UpstreamException(503, "UF", "upstream connect error: " + e.Message, true)
                    : new UpstreamException(503, "UC", "upstream connection closed before the response: " + e.Message, false));
                // The connector said there is nothing to connect to: another try would say the same.
                if (upstream is { Status: 503 }) last = true;
            }
            var bodySafe = request.Content is null || outcome == TryOutcome.ConnectFailure;
            if (last || !bodySafe || !RetryPolicy.Retriable(retry, outcome)) throw failure;
            metrics.Retry(policy.Route);
        }
    }
}
