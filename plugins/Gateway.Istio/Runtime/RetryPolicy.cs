namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>What went wrong with one try, in the terms of Istio's <c>retryOn</c>.</summary>
internal enum TryOutcome
{
    /// <summary>A response with a status code.</summary>
    Status,
    /// <summary>No connection: nothing of the request was sent.</summary>
    ConnectFailure,
    /// <summary>The connection broke before the response headers (disconnect, reset).</summary>
    Reset,
    /// <summary>The try ran past <see cref="HttpRetry.PerTryTimeout"/>.</summary>
    PerTryTimeout,
}

/// <summary>
/// Istio's retry conditions (Envoy's <c>retry_on</c>): which outcomes of a try are tried again. The
/// route's <see cref="HttpRetry"/>, or Istio's default when the VirtualService gives none.
/// </summary>
internal static class RetryPolicy
{
    /// <summary>The retries in effect for <paramref name="route"/>.</summary>
    public static HttpRetry For(HttpRoute route) => route.Retries ?? HttpRetry.IstioDefault;

    /// <summary>True when <paramref name="outcome"/> (with <paramref name="status"/> for a response) is retriable under <paramref name="retry"/>.</summary>
    public static bool Retriable(HttpRetry retry, TryOutcome outcome, int status = 0)
    {
        var on = retry.RetryOn;
        return outcome switch
        {
            TryOutcome.ConnectFailure => on.Contains("connect-failure") || on.Contains("refused-stream") || on.Contains("5xx") || on.Contains("gateway-error"),
            TryOutcome.Reset => on.Contains("reset") || on.Contains("5xx"),
            TryOutcome.PerTryTimeout => on.Contains("5xx") || on.Contains("gateway-error") || on.Contains("reset"),
            _ => status >= 500 && on.Contains("5xx")
                 || status is 502 or 503 or 504 && on.Contains("gateway-error")
                 || RetriableStatus(on, status),
        };
    }

    private static bool RetriableStatus(IReadOnlySet<string> on, int status)
    {
        // Status numbers in retryOn are retriable codes; retriable-status-codes alone means 503 (Istio's default).
        var text = status.ToString(CultureInfo.InvariantCulture);
        if (on.Contains(text)) return true;
        return status == 503 && on.Contains("retriable-status-codes") && !on.Any(c => c.Length == 3 && c.All(char.IsAsciiDigit));
    }
}
