using System.Collections.Concurrent;
using System.Diagnostics;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary>An ActivitySource of its own plus a listener that keeps every span it ends.</summary>
internal sealed class SpanRecorder : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public SpanRecorder()
    {
        Source = new ActivitySource("test.spans." + Guid.NewGuid().ToString("n"));
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s == Source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ActivitySource Source { get; }

    /// <summary>Ended spans, in the order they ended.</summary>
    public Activity[] Spans => [.. _spans];

    public void Dispose()
    {
        _listener.Dispose();
        Source.Dispose();
    }
}
