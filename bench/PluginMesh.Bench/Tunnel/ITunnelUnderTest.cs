namespace PluginMesh.Bench.Tunnel;

/// <summary>Both ends of one transport in this process, set up once, measured several ways.</summary>
internal interface ITunnelUnderTest : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Moves <paramref name="bytes"/> one way over <paramref name="streams"/> parallel streams into a sink; done when the receiver has all of it.</summary>
    Task SendAsync(long bytes, int streams);

    /// <summary>1-byte round trips on one stream to an echo server, each in microseconds.</summary>
    Task<double[]> RoundTripsAsync(int samples);
}
