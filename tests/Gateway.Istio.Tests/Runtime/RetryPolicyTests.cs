using PluginMesh.Plugins.Gateway.Istio.Runtime;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime;

public sealed class RetryPolicyTests
{
    public static TheoryData<string, string, int, bool> Cases() => new()
    {
        // retryOn, outcome, status, retried
        { "5xx", "Status", 500, true },
        { "5xx", "Status", 404, false },
        { "5xx", "Reset", 0, true },
        { "5xx", "ConnectFailure", 0, true },
        { "5xx", "PerTryTimeout", 0, true },
        { "gateway-error", "Status", 500, false },
        { "gateway-error", "Status", 503, true },
        { "gateway-error", "Reset", 0, false },
        { "connect-failure", "ConnectFailure", 0, true },
        { "connect-failure", "Status", 503, false },
        { "connect-failure", "PerTryTimeout", 0, false },
        { "reset", "Reset", 0, true },
        { "retriable-status-codes", "Status", 503, true },
        { "retriable-status-codes", "Status", 502, false },
        { "retriable-status-codes,409", "Status", 409, true },
        { "retriable-status-codes,409", "Status", 503, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Retriable_FollowsIstiosRetryOn(string retryOn, string outcome, int status, bool retried)
    {
        var retry = new HttpRetry(2, null, retryOn.Split(',').ToHashSet());

        Assert.Equal(retried, RetryPolicy.Retriable(retry, Enum.Parse<TryOutcome>(outcome), status));
    }

    [Fact]
    public void NoRetriesInTheRoute_IsIstiosDefault_TwoOnConnectFailureAnd503()
    {
        var route = new HttpRoute("r", "ns/vs", ["*"], [], [], null, null, null);

        var retry = RetryPolicy.For(route);

        Assert.Equal(2, retry.Attempts);
        Assert.True(RetryPolicy.Retriable(retry, TryOutcome.ConnectFailure));
        Assert.True(RetryPolicy.Retriable(retry, TryOutcome.Status, 503));
        Assert.False(RetryPolicy.Retriable(retry, TryOutcome.Status, 500));
        Assert.False(RetryPolicy.Retriable(retry, TryOutcome.Reset));
    }
}
