namespace PluginMesh.Plugins.Catalog.Kubernetes.Watching;

/// <summary>
/// One watch request over plain HTTP: reads the newline-delimited JSON events of a chunked
/// response and hands ADDED/MODIFIED/DELETED to <c>onEvent</c>, following resourceVersion through
/// events and bookmarks.
/// </summary>
/// <remarks>
/// Hand-written instead of KubernetesClient's watcher because there a <c>410 Gone</c> only reaches
/// an error callback before the watch silently ends, and the awaited form is obsolete (CS0618);
/// here every end of a watch is a value the caller acts on.
/// </remarks>
internal sealed class ResourceWatcher(KubeApiClient api, TimeSpan watchTimeout)
{
    /// <summary>Called for each object event with (type, object); awaited before the next line is read.</summary>
    public delegate Task EventHandler(string type, JsonElement obj, CancellationToken cancellationToken);

    /// <summary>
    /// Watches the collection at <paramref name="path"/> (its list path, which may carry a
    /// <c>fieldSelector</c> query: DestinationRules and custom resources have several API versions) from
    /// <paramref name="resourceVersion"/> until the stream ends; <paramref name="onOpened"/> runs once the
    /// server accepted the watch, <paramref name="onBadLine"/> for lines that cannot be used (not JSON, unknown type).
    /// </summary>
    public async Task<WatchResult> WatchAsync(string path, string resourceVersion, Action onOpened, EventHandler onEvent,
        Action<string> onBadLine, CancellationToken cancellationToken)
    {
        var rv = resourceVersion;
        var events = 0;
        HttpResponseMessage response;
        try
        {
            response = await api.OpenWatchAsync(path, rv, watchTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            return new WatchResult(WatchOutcome.Unreachable, rv, 0, ex.Message);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Gone) return new WatchResult(WatchOutcome.Expired, rv, 0, "HTTP 410 Gone", 410);
            if (!response.IsSuccessStatusCode) return new WatchResult(WatchOutcome.Failed, rv, 0, $"HTTP {(int)response.StatusCode}", (int)response.StatusCode);
            onOpened();

            // A watch that hears nothing (not even a bookmark) well past its own timeout is on a
            // dead connection; give up on it instead of waiting for TCP to notice.
            var idleLimit = watchTimeout + TimeSpan.FromSeconds(30);
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                using var reader = new StreamReader(stream);
                while (true)
                {
                    idle.CancelAfter(idleLimit);
                    var line = await reader.ReadLineAsync(idle.Token).ConfigureAwait(false);
                    if (line is null) return new WatchResult(WatchOutcome.Ended, rv, events, "stream closed by the server");
                    if (line.Length == 0) continue;

                    JsonDocument doc;
                    try
                    {
                        doc = JsonDocument.Parse(line);
                    }
                    catch (JsonException ex)
                    {
                        onBadLine("watch line is not JSON: " + ex.Message);
                        continue;
                    }

                    using (doc)
                    {
                        var root = doc.RootElement;
                        var type = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                        var obj = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("object", out var o) ? o : default;
                        switch (type)
                        {
                            case "ADDED" or "MODIFIED" or "DELETED":
                                events++;
                                await onEvent(type, obj, cancellationToken).ConfigureAwait(false);
                                rv = KubeJson.ResourceVersion(obj) ?? rv;
                                break;
                            case "BOOKMARK":
                                events++;
                                await onEvent(type, obj, cancellationToken).ConfigureAwait(false);
                                rv = KubeJson.ResourceVersion(obj) ?? rv;
                                break;
                            case "ERROR":
                                var code = obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : 0;
                                var message = obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                                return code == 410
                                    ? new WatchResult(WatchOutcome.Expired, rv, events, "ERROR event 410: " + message, 410)
                                    : new WatchResult(WatchOutcome.Failed, rv, events, $"ERROR event {code}: {message}", code);
                            default:
                                onBadLine($"unknown watch event type '{type}'");
                                break;
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new WatchResult(WatchOutcome.Broken, rv, events, $"no data for {idleLimit.TotalSeconds} s");
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                return new WatchResult(WatchOutcome.Broken, rv, events, ex.Message);
            }
        }
    }
}
