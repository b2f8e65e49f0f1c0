using k8s;
using PluginMesh.Demo.FakeApi;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

/// <summary>A fake API server and KubernetesClient (the real client library) pointed at it, per test, for checking the fake itself.</summary>
public abstract class FakeApiClientTests : IAsyncLifetime
{
    protected FakeApiServer Server { get; } = new();

    protected k8s.Kubernetes Client { get; private set; } = null!;

    /// <summary>Objects the cluster holds before the server starts.</summary>
    protected virtual void Seed(FakeCluster cluster)
    {
    }

    public Task InitializeAsync()
    {
        Seed(Server.Cluster);
        Server.Start(0);
        Client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = Server.Url.ToString().TrimEnd('/') });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
