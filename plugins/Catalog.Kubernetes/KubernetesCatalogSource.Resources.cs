using PluginMesh.Plugins.Catalog.Kubernetes.Mapping;
using PluginMesh.Plugins.Catalog.Kubernetes.Resources;
using PluginMesh.Plugins.Catalog.Kubernetes.Watching;

namespace PluginMesh.Plugins.Catalog.Kubernetes;

// The kinds other plugins asked for (CatalogResourceType): carried to the sink as MeshResource values,
// listed and watched like the core kinds, optional like DestinationRules.
public sealed partial class KubernetesCatalogSource
{
    private List<MeshResource> ReadResources(ResourceTypeWatch watch, KindProbe probe)
    {
        var resources = new List<MeshResource>();
        foreach (var item in probe.Items ?? [])
        {
            if (MeshResourceMapper.Map(watch.Type, probe.ApiVersion!, item, out var skip) is { } resource) resources.Add(resource);
            else Skip(watch.Label, KubeJson.Key(item), skip!);
        }

        return resources;
    }

    private WatchTarget KindTarget(ResourceTypeWatch watch, string path, string resourceVersion) => new(
        watch.Label, path, resourceVersion,
        (type, obj, ct) => OnResourceEventAsync(watch, type, obj, ct),
        (status, reason, ct) => ResourceGoneAsync(watch, status, reason, ct));

    /// <summary>Applies one watch event of a kind a plugin asked for.</summary>
    private async Task OnResourceEventAsync(ResourceTypeWatch watch, string type, JsonElement obj, CancellationToken cancellationToken)
    {
        _metrics.Event(watch.Type.Name, type);
        string apiVersion;
        lock (_gate)
        {
            _events++;
            apiVersion = watch.ApiVersion ?? "";
        }

        if (type != "BOOKMARK")
        {
            if (MeshResourceMapper.Map(watch.Type, apiVersion, obj, out var skip) is not { } resource)
            {
                Skip(watch.Label, KubeJson.Key(obj), skip!);
            }
            else
            {
                await ApplyProjectedAsync(() => type == "DELETED"
                    ? _projection.DeleteResource(watch.Type, resource.Key)
                    : _projection.UpsertResource(watch.Type, resource), null, cancellationToken).ConfigureAwait(false);
            }
        }

        SetResourceVersion(watch.Label, KubeJson.ResourceVersion(obj));
    }

    /// <summary>
    /// A kind answered 404 or 403 while watched (its CRD removed, RBAC revoked): its objects leave the
    /// catalog and it is not watched again before the next full list asks.
    /// </summary>
    private async Task ResourceGoneAsync(ResourceTypeWatch watch, int statusCode, string reason, CancellationToken cancellationToken)
    {
        await ApplyProjectedAsync(() => _projection.ReplaceResources(watch.Type, []), () =>
        {
            _resourceVersions.Remove(watch.Label);
            WatchHealthy(watch.Label);
            watch.Set(statusCode == 403 ? "forbidden" : "not-served", null, null, "watch: " + reason);
        }, cancellationToken).ConfigureAwait(false);
        LogKindState(watch, null);
    }

    // DestinationRules and the kinds plugins asked for alike: the state not logged yet, or null.
    private (string State, string? ApiVersion, string? Reason)? Unlogged(KindState kind)
    {
        lock (_gate) return kind.TakeUnlogged();
    }

    /// <summary>Logs the state of a kind when it changed: one line per change, not one per re-list.</summary>
    private void LogKindState(ResourceTypeWatch watch, KubeApiClient? api)
    {
        if (Unlogged(watch) is not { } change) return;
        var label = api?.BaseUri.ToString() ?? Status.Api;
        switch (change.State)
        {
            case "watching":
                KubernetesCatalogLog.ResourceWatched(_logger, watch.Label, change.ApiVersion ?? "?", label);
                break;
            case "not-served":
                KubernetesCatalogLog.ResourceNotServed(_logger, watch.Label, label, change.Reason ?? "HTTP 404");
                break;
            case "forbidden":
                KubernetesCatalogLog.ResourceForbidden(_logger, watch.Label, change.Reason ?? "HTTP 403", watch.RbacRule);
                break;
            case "failed":
                KubernetesCatalogLog.ResourceFailed(_logger, watch.Label, change.Reason ?? "?");
                break;
        }
    }

    // The pluginmesh.catalog.resources gauge: objects per kind, with the kind's state.
    private List<System.Diagnostics.Metrics.Measurement<int>> ResourceMeasurements()
    {
        lock (_gate)
        {
            return _kinds.Select(k => new System.Diagnostics.Metrics.Measurement<int>(k.Count,
                new KeyValuePair<string, object?>("kind", k.Label), new KeyValuePair<string, object?>("state", k.State))).ToList();
        }
    }
}
