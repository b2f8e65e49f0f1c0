using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>The headers a <see cref="CorsPolicy"/> answers an allowed origin with (the Fetch standard's CORS protocol, as Envoy's CORS filter writes them).</summary>
internal static class CorsHeaders
{
    /// <summary>True for a browser's preflight: <c>OPTIONS</c> with <c>Access-Control-Request-Method</c>.</summary>
    public static bool IsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey("Access-Control-Request-Method");

    /// <summary>The answer to a preflight from <paramref name="origin"/>.</summary>
    public static void Preflight(IHeaderDictionary headers, CorsPolicy cors, string origin)
    {
        Common(headers, cors, origin);
        if (cors.AllowMethods.Count > 0) headers["Access-Control-Allow-Methods"] = string.Join(",", cors.AllowMethods);
        if (cors.AllowHeaders.Count > 0) headers["Access-Control-Allow-Headers"] = string.Join(",", cors.AllowHeaders);
        if (cors.MaxAge is { } maxAge) headers["Access-Control-Max-Age"] = ((long)maxAge.TotalSeconds).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>What the response to an ordinary request from <paramref name="origin"/> carries.</summary>
    public static void Actual(IHeaderDictionary headers, CorsPolicy cors, string origin)
    {
        Common(headers, cors, origin);
        if (cors.ExposeHeaders.Count > 0) headers["Access-Control-Expose-Headers"] = string.Join(",", cors.ExposeHeaders);
    }

    private static void Common(IHeaderDictionary headers, CorsPolicy cors, string origin)
    {
        headers["Access-Control-Allow-Origin"] = origin;
        if (cors.AllowCredentials) headers["Access-Control-Allow-Credentials"] = "true";
    }
}
