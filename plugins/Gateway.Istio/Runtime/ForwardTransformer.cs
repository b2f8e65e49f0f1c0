using System.Net.Http;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>
/// How one request is sent on: YARP's header copy, then the route's rewrite (path, authority), the
/// original Host kept otherwise (as Istio does), X-Forwarded-For/Proto/Host, and the retry policy
/// for <see cref="RetryHandler"/>.
/// </summary>
/// <param name="path">The path to send (rewritten or as received).</param>
/// <param name="authority">The Host header to send.</param>
/// <param name="policy">Retries of this request.</param>
internal sealed class ForwardTransformer(PathString path, string authority, TryPolicy policy) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        var request = httpContext.Request;
        proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, path, request.QueryString);
        proxyRequest.Headers.Host = authority;

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

        proxyRequest.Options.Set(TryPolicy.Key, policy);
        if (client is not null) proxyRequest.Options.Set(ServiceClients.ClientKey, client);
    }
}
