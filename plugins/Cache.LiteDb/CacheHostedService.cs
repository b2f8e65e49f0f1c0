namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>
/// Opens the cache when the host starts <c>cache.litedb</c> and closes it at stop, so a locked or
/// unusable file is reported at start-up rather than at the first write.
/// </summary>
internal sealed class CacheHostedService(LiteDbStateCache cache) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        cache.Open();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => cache.CloseAsync();
}
