using System.Net.Http.Headers;
using k8s;
using k8s.Authentication;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Api;

/// <summary>
/// Plain HTTP access to the Kubernetes API: one GET for a list or an object, one streaming GET for a
/// watch, one merge PATCH for the agent's own Node.
/// For a kubeconfig or in-cluster config, KubernetesClient builds the TLS handler and the
/// credentials; the requests themselves are ours (see the README for why).
/// </summary>
/// <remarks>Thread-safe (HttpClient is).</remarks>
internal sealed class KubeApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly ServiceClientCredentials? _credentials;
    private readonly IDisposable? _owner;

    private KubeApiClient(HttpClient http, Uri baseUri, ServiceClientCredentials? credentials, IDisposable? owner)
    {
        _http = http;
        BaseUri = baseUri;
        _credentials = credentials;
        _owner = owner;
    }

    /// <summary>The API server.</summary>
    public Uri BaseUri { get; }

    /// <summary>Creates the client; reads the kubeconfig or service-account files when configured to.</summary>
    public static KubeApiClient Create(KubernetesCatalogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Kubeconfig is not null || options.InCluster)
        {
            var config = options.InCluster
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Kubeconfig, options.Context);
            // Watches are long-lived; the per-request timeouts below bound lists instead.
            config.HttpClientTimeout = Timeout.InfiniteTimeSpan;
            var client = new k8s.Kubernetes(config);
            return new KubeApiClient(client.HttpClient, EnsureSlash(client.BaseUri), client.Credentials, client);
        }

        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            // A watch must notice a dead peer (4G link dropped) without waiting for TCP retransmits to expire.
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
        };
        var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        return new KubeApiClient(http, EnsureSlash(options.ApiServer), null, http);
    }

    /// <summary>GETs a list; the body is returned whatever the status so callers can report it.</summary>
    /// <exception cref="HttpRequestException">The server could not be reached.</exception>
    public Task<(int Status, string Body)> ListAsync(string path, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, "list", timeout, cancellationToken);

    /// <summary>GETs one object (e.g. <c>api/v1/nodes/NAME</c>); the body is returned whatever the status.</summary>
    /// <exception cref="HttpRequestException">The server could not be reached.</exception>
    public Task<(int Status, string Body)> GetAsync(string path, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, "get", timeout, cancellationToken);

    /// <summary>
    /// PATCHes one object with <paramref name="body"/> as <c>application/merge-patch+json</c> (RFC 7386:
    /// the keys given are set, a null removes one, nothing else changes); the body is returned whatever the status.
    /// </summary>
    /// <exception cref="HttpRequestException">The server could not be reached.</exception>
    public Task<(int Status, string Body)> MergePatchAsync(string path, string body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var content = new StringContent(body, System.Text.Encoding.UTF8);
        // Exactly this media type, no charset parameter: it names the patch format to the API server.
        content.Headers.ContentType = new MediaTypeHeaderValue("application/merge-patch+json");
        return SendAsync(HttpMethod.Patch, path, content, "patch", timeout, cancellationToken);
    }

    private async Task<(int Status, string Body)> SendAsync(HttpMethod method, string path, HttpContent? content, string verb, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var request = await CreateRequestAsync(path, cts.Token, method).ConfigureAwait(false);
        using (content)
        {
            request.Content = content;
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cts.Token).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync(cts.Token).ConfigureAwait(false);
                return ((int)response.StatusCode, text);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Our own deadline, or the handler's ConnectTimeout (which also surfaces as a cancellation).
                throw new HttpRequestException(cts.IsCancellationRequested
                    ? $"{verb} {path} timed out after {timeout.TotalSeconds} s"
                    : $"{verb} {path}: {ex.InnerException?.Message ?? ex.Message}", ex);
            }
        }
    }

    /// <summary>
    /// Opens a watch from <paramref name="resourceVersion"/> on <paramref name="path"/> (a list path, which may
    /// already carry a query such as <c>fieldSelector</c>); the caller reads and disposes the response.
    /// </summary>
    /// <exception cref="HttpRequestException">The server could not be reached.</exception>
    public async Task<HttpResponseMessage> OpenWatchAsync(string path, string resourceVersion, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var query = string.Create(CultureInfo.InvariantCulture,
            $"{path}{(path.Contains('?', StringComparison.Ordinal) ? '&' : '?')}watch=1&allowWatchBookmarks=true&resourceVersion={Uri.EscapeDataString(resourceVersion)}&timeoutSeconds={(int)timeout.TotalSeconds}");
        using var request = await CreateRequestAsync(query, cancellationToken).ConfigureAwait(false);
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _owner?.Dispose();

    private async Task<HttpRequestMessage> CreateRequestAsync(string pathAndQuery, CancellationToken cancellationToken, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(BaseUri, pathAndQuery.TrimStart('/')));
        // KubeEdge's metaServer serves JSON only; asking for protobuf would fail there.
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_credentials is not null) await _credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        return request;
    }

    private static Uri EnsureSlash(Uri uri) =>
        uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
