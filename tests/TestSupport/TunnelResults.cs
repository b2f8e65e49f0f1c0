using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.TestSupport;

/// <summary>
/// For tests that need the stream or connection a tunnel call answers: it, or the test fails with the
/// tunnel's own message. Tests of a failure read the result's <c>Failure</c> and <c>Error</c> instead.
/// </summary>
public static class TunnelResults
{
    public static IMeshStream Opened(this OpenStreamResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Assert.True(result.Ok, $"no stream: {result}");
        return result.Stream;
    }

    public static async Task<IMeshStream> Opened(this ValueTask<OpenStreamResult> result) => (await result).Opened();

    public static ITransportConnection Connected(this TransportDialResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Assert.True(result.Ok, $"no connection: {result.Failure}: {result.Error}");
        return result.Connection;
    }

    public static async Task<ITransportConnection> Connected(this ValueTask<TransportDialResult> result) => (await result).Connected();
}
