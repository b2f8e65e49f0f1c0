using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

using PluginMesh.Demo.FakeApi;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests;

/// <summary>
/// The fake API server's single-object GET and PATCH, driven by KubernetesClient itself (the real
/// client library, not our own requests), so the fake is checked against what a real client sends
/// and expects.
/// </summary>
public sealed class FakeApiPatchTests : FakeApiClientTests
{
    protected override void Seed(FakeCluster cluster) =>
        cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-a", "10.244.1.0/24", "192.168.1.10"));

    [Theory]
    [InlineData(V1Patch.PatchType.MergePatch)]
    [InlineData(V1Patch.PatchType.StrategicMergePatch)]
    public async Task PatchNode_Annotations_MergedAndSeenByWatchAsModified(V1Patch.PatchType type)
    {
        var before = Server.Cluster.ResourceVersion;
        var patched = await Client.CoreV1.PatchNodeAsync(new V1Patch("""{"metadata":{"annotations":{"pluginmesh.io/peer-id":"12D3KooWabc","pluginmesh.io/relay":"true"}}}""", type), "node-a");
        var again = await Client.CoreV1.PatchNodeAsync(new V1Patch("""{"metadata":{"annotations":{"pluginmesh.io/relay":null}}}""", type), "node-a");

        Assert.Equal("12D3KooWabc", patched.Metadata.Annotations["pluginmesh.io/peer-id"]);
        Assert.Equal("true", patched.Metadata.Annotations["pluginmesh.io/relay"]);
        Assert.False(again.Metadata.Annotations.ContainsKey("pluginmesh.io/relay"));
        Assert.Equal("10.244.1.0/24", again.Spec.PodCIDR); // the rest of the object is kept
        Assert.True(long.Parse(again.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) > before);
        var read = Server.Cluster.ReadSince(FakeCluster.Nodes, before);
        Assert.Equal(["MODIFIED", "MODIFIED"], read.Events.Select(e => e.Type));
        Assert.Equal(2, Server.Cluster.Patches.Count);
    }

    [Fact]
    public async Task PatchNode_JsonPatch_AddsAndRemovesAnnotations()
    {
        await Client.CoreV1.PatchNodeAsync(new V1Patch("""[{"op":"add","path":"/metadata/annotations","value":{"pluginmesh.io/addrs":"[]"}}]""", V1Patch.PatchType.JsonPatch), "node-a");
        var node = await Client.CoreV1.PatchNodeAsync(new V1Patch("""[{"op":"replace","path":"/metadata/annotations/pluginmesh.io~1addrs","value":"[\"/ip4/1.2.3.4/tcp/4001\"]"}]""", V1Patch.PatchType.JsonPatch), "node-a");

        Assert.Equal("""["/ip4/1.2.3.4/tcp/4001"]""", node.Metadata.Annotations["pluginmesh.io/addrs"]);
        var bad = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.PatchNodeAsync(
            new V1Patch("""[{"op":"remove","path":"/metadata/annotations/absent"}]""", V1Patch.PatchType.JsonPatch), "node-a"));
        Assert.Equal((HttpStatusCode)422, bad.Response.StatusCode);
    }

    [Fact]
    public async Task GetNode_ByName_ReturnsItOrNotFound()
    {
        var node = await Client.CoreV1.ReadNodeAsync("node-a");
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNodeAsync("node-z"));

        Assert.Equal("192.168.1.10", node.Status.Addresses.Single(a => a.Type == "InternalIP").Address);
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
    }

    [Fact]
    public async Task PatchNode_ForbiddenOrUnsupported_AnsweredAsKubeApiServerAndMetaServerDo()
    {
        Server.Cluster.ForbidPatch(FakeCluster.Nodes, "node-a");
        var forbidden = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.PatchNodeAsync(
            new V1Patch("""{"metadata":{"annotations":{"a":"b"}}}""", V1Patch.PatchType.MergePatch), "node-a"));
        Server.Cluster.ForbidPatch(FakeCluster.Nodes, "node-a", forbidden: false);
        Server.Cluster.PatchNotSupported = true;
        var unsupported = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.PatchNodeAsync(
            new V1Patch("""{"metadata":{"annotations":{"a":"b"}}}""", V1Patch.PatchType.MergePatch), "node-a"));

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Response.StatusCode);
        Assert.Contains("cannot patch", forbidden.Response.Content, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, unsupported.Response.StatusCode);
        Assert.Empty(Server.Cluster.Patches);
        Assert.Null(Server.Cluster.Get(FakeCluster.Nodes, "node-a")!["metadata"]!["annotations"]);
    }

    [Fact]
    public async Task Patch_OtherContentType_415()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri(Server.Url, "api/v1/nodes/node-a"))
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("Status", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["kind"]!.GetValue<string>());
    }
}
