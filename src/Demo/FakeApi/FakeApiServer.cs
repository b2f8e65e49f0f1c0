using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace PluginMesh.Demo.FakeApi;

/// <summary>
/// A FAKE Kubernetes API server, for tests and for <c>pluginmesh demo</c> (which plays its agents'
/// cluster with it): no real kube-apiserver can run on this machine (no Docker; no registry carries
/// one that runs standalone), so this speaks the real HTTP/1.1 API and
/// JSON shapes over a raw socket on 127.0.0.1: cluster-wide lists with
/// <c>metadata.resourceVersion</c> and <c>items</c>; watches (<c>?watch=1&amp;resourceVersion=…</c>)
/// as chunked streams of <c>{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":…}</c>
/// lines, each line deliberately split over two chunks; bookmarks when
/// <c>allowWatchBookmarks=true</c>; <c>410 Gone</c> for a compacted resourceVersion, either as an
/// HTTP status or as an ERROR event carrying a Status object; 404 for collections not served
/// (Istio's DestinationRules until <see cref="FakeCluster.InstallIstio"/>, any custom resource until
/// <see cref="FakeCluster.InstallCustomResource"/>); 403 for collections the caller is not allowed to read;
/// namespaced collections (<c>api/v1/namespaces/NS/secrets</c>, <c>apis/G/V/namespaces/NS/PLURAL</c>) and
/// <c>fieldSelector</c> (<c>metadata.name</c>, <c>metadata.namespace</c>, and <c>type</c> of Secrets; 400 for
/// another field) on lists and watches. Single objects: <c>GET &lt;collection&gt;/&lt;name&gt;</c> of cluster-scoped
/// ones, and <c>PATCH</c> of them with <c>application/merge-patch+json</c> or
/// <c>application/strategic-merge-patch+json</c> (RFC 7386 merge: null deletes a key, which for
/// metadata.annotations is all strategic merge does differently) or <c>application/json-patch+json</c>
/// (RFC 6902 add/replace/remove/test); the answer is the whole object with its new resourceVersion,
/// and watches see a MODIFIED event. 403 when the verb is forbidden (<see cref="FakeCluster.ForbidPatch"/>),
/// 405 when the server does not take patches (<see cref="FakeCluster.PatchNotSupported"/>, like
/// KubeEdge's metaServer), 404 for an unknown name, 415 for another content type, 422 for a patch
/// that does not apply.
/// State lives in <see cref="FakeCluster"/>, separate from this HTTP layer.
/// </summary>
/// <remarks>
/// Thread-safe. Start and stop it as often as needed on the same port to simulate outages. End-to-end
/// tests bind it to another address, with a socket factory that creates the listening socket inside
/// a network namespace (the accepted connections then live there too).
/// </remarks>
public sealed class FakeApiServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentDictionary<Socket, byte> _watchSockets = new();
    private readonly IPAddress _bindAddress;
    private readonly Func<Socket>? _socketFactory;
    private Socket? _listener;
    private CancellationTokenSource? _stop;
    private Task? _accept;
    private volatile bool _holdWatches;

    /// <summary>Creates a server over <paramref name="cluster"/> (a new empty one when null) on 127.0.0.1.</summary>
    public FakeApiServer(FakeCluster? cluster = null)
        : this(cluster, IPAddress.Loopback, null)
    {
    }

    /// <summary>
    /// Creates a server on <paramref name="bindAddress"/>; <paramref name="socketFactory"/> (when given)
    /// makes the IPv4 TCP listening socket, e.g. inside a network namespace.
    /// </summary>
    public FakeApiServer(FakeCluster? cluster, IPAddress bindAddress, Func<Socket>? socketFactory)
    {
        ArgumentNullException.ThrowIfNull(bindAddress);
        Cluster = cluster ?? new FakeCluster();
        _bindAddress = bindAddress;
        _socketFactory = socketFactory;
    }

    /// <summary>The state served.</summary>
    public FakeCluster Cluster { get; }

    /// <summary>The port (0 until started the first time).</summary>
    public int Port { get; private set; }

    /// <summary>The base URL, e.g. <c>http://127.0.0.1:12345/</c>.</summary>
    public Uri Url => new($"http://{_bindAddress}:{Port}/");

    /// <summary>When true, a too-old watch gets 200 and an ERROR event with a 410 Status; otherwise HTTP 410.</summary>
    public bool ExpireWithErrorEvent { get; set; } = true;

    /// <summary>Every request line received (<c>GET /path?query</c>), in order.</summary>
    public IReadOnlyList<string> Requests => _requests.ToList();

    /// <summary>Number of open watch streams.</summary>
    public int OpenWatches => _watchSockets.Count;

    /// <summary>
    /// While true, open watches stay connected but deliver nothing, as if the events were stuck
    /// upstream; used to make changes a client can only learn about by re-listing.
    /// </summary>
    public bool HoldWatches
    {
        get => _holdWatches;
        set
        {
            _holdWatches = value;
            Cluster.Wake();
        }
    }

    /// <summary>Starts listening on <paramref name="port"/> (0 = any free port; the previous port when restarting).</summary>
    public void Start(int port = -1)
    {
        if (_listener is not null) throw new InvalidOperationException("already started");
        var listener = _socketFactory?.Invoke() ?? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(new IPEndPoint(_bindAddress, port >= 0 ? port : Port));
            listener.Listen(128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        _listener = listener;
        _stop = new CancellationTokenSource();
        _accept = AcceptAsync(listener, _stop.Token);
    }

    /// <summary>Stops listening and drops every connection, as a crashed API server would.</summary>
    public async Task StopAsync()
    {
        var listener = Interlocked.Exchange(ref _listener, null);
        if (listener is null) return;
        await _stop!.CancelAsync();
        listener.Dispose();
        CutWatches();
        try
        {
            await _accept!;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    /// <summary>Closes every open watch connection abruptly (no terminating chunk), like a dropped link.</summary>
    public void CutWatches()
    {
        foreach (var socket in _watchSockets.Keys)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task AcceptAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(socket, cancellationToken), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        try
        {
            using (socket)
            await using (var stream = new NetworkStream(socket, ownsSocket: false))
            {
                var head = await ReadHeadAsync(stream, cancellationToken);
                if (head is null) return;
                var requestLine = head.Split("\r\n", 2)[0];
                _requests.Enqueue(requestLine);
                var parts = requestLine.Split(' ');
                var target = parts.Length > 1 ? parts[1] : "/";
                var (path, query) = SplitTarget(target);

                if (parts[0] == "PATCH")
                {
                    await PatchAsync(stream, head, path, cancellationToken);
                }
                else if (parts[0] != "GET")
                {
                    await WriteStatusAsync(stream, 405, "MethodNotAllowed", "only GET and PATCH are served", cancellationToken);
                }
                else if (FakeCluster.SplitObjectPath(path) is { } single && !Cluster.IsForbidden(single.Collection))
                {
                    var found = Cluster.Get(single.Collection, single.Name);
                    if (found is null) await WriteStatusAsync(stream, 404, "NotFound", $"{ItemKind(single.Collection).ToLowerInvariant()}s \"{single.Name}\" not found", cancellationToken);
                    else await WriteJsonAsync(stream, 200, "OK", found, cancellationToken);
                }
                else if (Cluster.FailureOf(path) is { } failure)
                {
                    await WriteStatusAsync(stream, failure, "InternalError", $"Internal error occurred: failing {path} as the test asked", cancellationToken);
                }
                else if (Cluster.IsForbidden(path))
                {
                    // Authorization comes before the resource lookup, as in kube-apiserver.
                    await WriteStatusAsync(stream, 403, "Forbidden",
                        $"{path} is forbidden: User \"system:serviceaccount:pluginmesh:pluginmesh\" cannot list resource at the cluster scope", cancellationToken);
                }
                else if (!Cluster.IsServed(path))
                {
                    await WriteStatusAsync(stream, 404, "NotFound", $"the server could not find the requested resource ({path})", cancellationToken);
                }
                else if (SelectorOf(path, query, out var selectorError) is not { } selector)
                {
                    await WriteStatusAsync(stream, 400, "BadRequest", selectorError!, cancellationToken);
                }
                else if (query.GetValueOrDefault("watch") is "1" or "true")
                {
                    // Read before the watch counts as open, so a bookmark requested once a test
                    // sees it open is always delivered.
                    var bookmarkSeen = Cluster.BookmarkGeneration;
                    _watchSockets[socket] = 0;
                    try
                    {
                        await WatchAsync(stream, path, query, selector, bookmarkSeen, cancellationToken);
                    }
                    finally
                    {
                        _watchSockets.TryRemove(socket, out _);
                    }
                }
                else
                {
                    await ListAsync(stream, path, selector, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away or the server was stopped or cut: nothing to answer.
        }
    }

    private async Task PatchAsync(Stream stream, string head, string path, CancellationToken cancellationToken)
    {
        var headers = head.Split("\r\n").Skip(1).Where(l => l.Contains(':', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf(':', StringComparison.Ordinal)].Trim(), l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), StringComparer.OrdinalIgnoreCase);
        var length = int.TryParse(headers.GetValueOrDefault("Content-Length"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, cancellationToken);
        var single = FakeCluster.SplitObjectPath(path);
        if (single is null || !Cluster.IsServed(single.Value.Collection))
        {
            await WriteStatusAsync(stream, 405, "MethodNotAllowed", $"PATCH is only served on a single object ({path})", cancellationToken);
            return;
        }
        var (collection, name) = single.Value;
        if (Cluster.PatchNotSupported)
        {
            await WriteStatusAsync(stream, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource", cancellationToken);
            return;
        }
        if (Cluster.IsPatchForbidden(collection, name))
        {
            await WriteStatusAsync(stream, 403, "Forbidden",
                $"{ItemKind(collection).ToLowerInvariant()}s \"{name}\" is forbidden: User \"system:serviceaccount:pluginmesh:pluginmesh\" cannot patch resource \"{ItemKind(collection).ToLowerInvariant()}s\" in API group \"\" at the cluster scope", cancellationToken);
            return;
        }
        var contentType = headers.GetValueOrDefault("Content-Type")?.Split(';')[0].Trim();
        if (contentType is not ("application/merge-patch+json" or "application/strategic-merge-patch+json" or "application/json-patch+json"))
        {
            await WriteStatusAsync(stream, 415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {contentType})", cancellationToken);
            return;
        }
        JsonObject? patched;
        try
        {
            patched = Cluster.Patch(collection, name, JsonNode.Parse(body), contentType == "application/json-patch+json");
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or ArgumentException or InvalidOperationException)
        {
            await WriteStatusAsync(stream, 422, "Invalid", $"the patch does not apply: {ex.Message}", cancellationToken);
            return;
        }
        if (patched is null) await WriteStatusAsync(stream, 404, "NotFound", $"{ItemKind(collection).ToLowerInvariant()}s \"{name}\" not found", cancellationToken);
        else await WriteJsonAsync(stream, 200, "OK", patched, cancellationToken);
    }

    private static async Task WriteJsonAsync(Stream stream, int code, string reason, JsonObject obj, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(obj.ToJsonString());
        var head = $"HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
        await stream.WriteAsync(body, cancellationToken);
    }

    // The fieldSelector of the query, parsed for the kind served at path; null (and why) when it is not valid.
    private FakeFieldSelector? SelectorOf(string path, Dictionary<string, string> query, out string? error)
    {
        error = null;
        try
        {
            return FakeFieldSelector.Parse(query.GetValueOrDefault("fieldSelector"), ItemKind(path));
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return null;
        }
    }

    private async Task ListAsync(Stream stream, string path, FakeFieldSelector selector, CancellationToken cancellationToken)
    {
        var (rv, items) = Cluster.List(path, selector);
        var list = new JsonObject
        {
            ["kind"] = ListKind(path),
            ["apiVersion"] = ApiVersion(path),
            ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture) },
            ["items"] = new JsonArray(items.Select(i => (JsonNode)AsServedAt(path, i)).ToArray()),
        };
        var body = Encoding.UTF8.GetBytes(list.ToJsonString());
        var head = $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
        await stream.WriteAsync(body, cancellationToken);
    }

    private async Task WatchAsync(Stream stream, string path, Dictionary<string, string> query, FakeFieldSelector selector, long bookmarkSeen, CancellationToken cancellationToken)
    {
        var rv = long.TryParse(query.GetValueOrDefault("resourceVersion"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : Cluster.ResourceVersion;
        var bookmarks = query.GetValueOrDefault("allowWatchBookmarks") == "true";
        var timeout = int.TryParse(query.GetValueOrDefault("timeoutSeconds"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? seconds : 1800;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(timeout));

        var first = Cluster.ReadSince(path, rv, selector);
        if (first.Expired && !ExpireWithErrorEvent)
        {
            await WriteStatusAsync(stream, 410, "Expired", $"too old resource version: {rv} ({Cluster.ResourceVersion})", cancellationToken);
            return;
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"), cancellationToken);
        try
        {
            while (true)
            {
                var read = Cluster.ReadSince(path, rv, selector);
                if (!HoldWatches)
                {
                    if (read.Expired)
                    {
                        var status = StatusObject(410, "Expired", $"too old resource version: {rv} ({Cluster.ResourceVersion})");
                        await WriteEventAsync(stream, "ERROR", status, cancellationToken);
                        break;
                    }

                    foreach (var e in read.Events)
                    {
                        await WriteEventAsync(stream, e.Type, AsServedAt(path, e.Object), cancellationToken);
                        rv = e.ResourceVersion;
                    }

                    var generation = Cluster.BookmarkGeneration;
                    if (bookmarks && generation != bookmarkSeen)
                    {
                        bookmarkSeen = generation;
                        rv = Math.Max(rv, read.ClusterResourceVersion);
                        var bookmark = new JsonObject
                        {
                            ["kind"] = ItemKind(path),
                            ["apiVersion"] = ApiVersion(path),
                            ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture) },
                        };
                        await WriteEventAsync(stream, "BOOKMARK", bookmark, cancellationToken);
                    }
                }

                await read.Changed.WaitAsync(deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // timeoutSeconds elapsed: end the stream normally.
        }

        await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken);
    }

    private static async Task WriteEventAsync(Stream stream, string type, JsonObject obj, CancellationToken cancellationToken)
    {
        var line = Encoding.UTF8.GetBytes(new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n");

        // Split every event over two chunks: clients must reassemble lines, not trust chunk boundaries.
        var half = line.Length / 2;
        await WriteChunkAsync(stream, line.AsMemory(0, half), cancellationToken);
        await stream.FlushAsync(cancellationToken);
        await WriteChunkAsync(stream, line.AsMemory(half), cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    private static async Task WriteChunkAsync(Stream stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(data.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), cancellationToken);
        await stream.WriteAsync(data, cancellationToken);
        await stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
    }

    private static async Task WriteStatusAsync(Stream stream, int code, string reason, string message, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(StatusObject(code, reason, message).ToJsonString());
        var head = $"HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
        await stream.WriteAsync(body, cancellationToken);
    }

    private static JsonObject StatusObject(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    private static async Task<string?> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (buffer.Count < 65536)
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0) return null;
            buffer.Add(one[0]);
            var n = buffer.Count;
            if (n >= 4 && buffer[n - 4] == '\r' && buffer[n - 3] == '\n' && buffer[n - 2] == '\r' && buffer[n - 1] == '\n')
                return Encoding.ASCII.GetString(buffer.ToArray());
        }

        return null;
    }

    private static (string Path, Dictionary<string, string> Query) SplitTarget(string target)
    {
        var q = target.IndexOf('?', StringComparison.Ordinal);
        var path = (q < 0 ? target : target[..q]).Trim('/');
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        if (q >= 0)
        {
            foreach (var pair in target[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0) query[Uri.UnescapeDataString(pair)] = "";
                else query[Uri.UnescapeDataString(pair[..eq])] = Uri.UnescapeDataString(pair[(eq + 1)..]);
            }
        }

        return (path, query);
    }

    private string ApiVersion(string path) => Cluster.Describe(path)?.ApiVersion ?? "v1";

    // A resource read at another version comes back with that apiVersion (the schema is the same).
    private JsonObject AsServedAt(string path, JsonObject obj)
    {
        if (Cluster.Describe(path) is not { } served || !(obj["kind"] is JsonValue kind && kind.TryGetValue<string>(out var k) && k == served.Kind)) return obj;
        if (obj["apiVersion"] is JsonValue v && v.TryGetValue<string>(out var written) && written == served.ApiVersion) return obj;
        var copy = (JsonObject)obj.DeepClone();
        copy["apiVersion"] = served.ApiVersion;
        return copy;
    }

    private string ItemKind(string path) => Cluster.Describe(path)?.Kind ?? "Unknown";

    private string ListKind(string path) => ItemKind(path) + "List";
}
