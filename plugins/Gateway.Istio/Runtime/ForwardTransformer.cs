using System.Net.Http;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>
/// How one request is sent on: YARP's header copy, then the route's rewrite (path, authority), the
/// original Host kept otherwise (as Istio does), X-Forwarded-For/Proto/Host, the route's and then the
/// destination's header operations (Istio <c>headers</c>) on the request and on the response, and the
/// retry policy for <see cref="RetryHandler"/>.
/// </summary>
/// <param name="path">The path to send (rewritten or as received).</param>
/// <param name="authority">The Host header to send.</param>
/// <param name="policy">Retries of this request.</param>
/// <param name="routeHeaders">The route's header operations, or null.</param>
/// <param name="destinationHeaders">The chosen destination's, or null.</param>
/// <param name="cors">The route's CORS policy and the request's allowed origin, or null: the response gets the allow headers.</param>
internal sealed class ForwardTransformer(PathString path, string authority, TryPolicy policy, HeaderRules? routeHeaders = null, HeaderRules? destinationHeaders = null,
    (CorsPolicy Policy, string Origin)? cors = null)
    : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        var request = httpContext.Request;
        proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, path, request.QueryString);
        proxyRequest.Headers.Host = authority;
        var client = Forwarded(httpContext, proxyRequest);
        Apply(routeHeaders?.Request, proxyRequest);
        Apply(destinationHeaders?.Request, proxyRequest);

        proxyRequest.Options.Set(TryPolicy.Key, policy);
        if (client is not null) proxyRequest.Options.Set(ServiceClients.ClientKey, client);
    }

    /// <summary>X-Forwarded-For (the client appended), -Proto and -Host on a request sent on for <paramref name="httpContext"/>; returns the client's address.</summary>
    internal static System.Net.IPAddress? Forwarded(HttpContext httpContext, HttpRequestMessage proxyRequest)
    {
        var request = httpContext.Request;
        var client = httpContext.Connection.RemoteIpAddress;
        if (client is { IsIPv4MappedToIPv6: true }) client = client.MapToIPv4();
        var forwardedFor = request.Headers["X-Forwarded-For"].ToString();
        var clientText = client?.ToString() ?? "unknown";
        proxyRequest.Headers.Remove("X-Forwarded-For");
        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor.Length == 0 ? clientText : forwardedFor + ", " + clientText);
        proxyRequest.Headers.Remove("X-Forwarded-Proto");
        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        proxyRequest.Headers.Remove("X-Forwarded-Host");
        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
        return client;
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copied = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
        if (proxyResponse is not null)
        {
            Apply(routeHeaders?.Response, httpContext.Response.Headers);
            Apply(destinationHeaders?.Response, httpContext.Response.Headers);
            if (cors is var (corsPolicy, origin)) CorsHeaders.Actual(httpContext.Response.Headers, corsPolicy, origin);
        }
        return copied;
    }

    /// <summary>Remove, then set (replacing), then add (appending); content headers live on the content.</summary>
    internal static void Apply(HeaderOperations? operations, HttpRequestMessage request)
    {
        if (operations is null) return;
        foreach (var name in operations.Remove)
        {
            request.Headers.Remove(name);
            request.Content?.Headers.Remove(name);
        }
        foreach (var (name, value) in operations.Set)
        {
            request.Headers.Remove(name);
            if (!request.Headers.TryAddWithoutValidation(name, value) && request.Content is { } content)
            {
                content.Headers.Remove(name);
                content.Headers.TryAddWithoutValidation(name, value);
            }
        }
        foreach (var (name, value) in operations.Add)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content?.Headers.TryAddWithoutValidation(name, value);
        }
    }

    private static void Apply(HeaderOperations? operations, IHeaderDictionary headers)
    {
        if (operations is null) return;
        foreach (var name in operations.Remove) headers.Remove(name);
        foreach (var (name, value) in operations.Set) headers[name] = value;
        foreach (var (name, value) in operations.Add) headers.Append(name, value);
    }
}
