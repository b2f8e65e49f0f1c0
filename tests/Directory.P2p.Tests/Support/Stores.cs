using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Plugins.Directory.P2p.Store;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Support;

/// <summary>Record stores with a test clock and their own meter.</summary>
internal static class Stores
{
    public static RecordStore Create(TimeProvider time, IStateCache? cache = null, bool serveExpired = true, Meter? meter = null, StoreOptions? options = null) =>
        new(cache, time, NullLogger.Instance, meter ?? new Meter("test.directory." + Guid.NewGuid().ToString("N")), (options ?? StoreOptions.Default) with { ServeExpired = serveExpired });
}
