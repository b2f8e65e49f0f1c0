using PluginMesh.Plugins.Gateway.Istio.Runtime;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime;

public sealed class AccessLogTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 10, 0, 1, 234, TimeSpan.Zero);

    [Fact]
    public void Format_HttpRequest_IsIstiosDefaultTextFormat()
    {
        var line = AccessLog.Format(new AccessEntry(Start, "GET", "/reviews/1?x=2", "HTTP/1.1", 200, "-", "via_upstream", 0, 512,
            TimeSpan.FromMilliseconds(12.7), null, "curl/8.5.0 (x86_64)", "r-1", "shop.example.com", "outbound|9080||reviews.shop.svc.cluster.local",
            "10.0.0.5:80", "192.0.2.7:51234", null, "reviews"));

        Assert.Equal("[2026-12-07T10:00:01.234Z] \"GET /reviews/1?x=2 HTTP/1.1\" 200 - via_upstream - \"-\" 0 512 12 - \"-\" \"curl/8.5.0 (x86_64)\" \"r-1\" "
            + "\"shop.example.com\" \"-\" outbound|9080||reviews.shop.svc.cluster.local - 10.0.0.5:80 192.0.2.7:51234 - reviews", line);
    }

    [Fact]
    public void Format_ClientText_NeverBreaksALineOrAField()
    {
        var line = AccessLog.Format(new AccessEntry(Start, "GET", "/a b\n", "HTTP/1.1", 404, "NR", "route_not_found", 0, 0, TimeSpan.Zero,
            null, "evil\"\r\nagent", null, null, null, null, null, "sni name", null));

        Assert.DoesNotContain('\n', line);
        Assert.Contains("\"GET /a_b_ HTTP/1.1\"", line, StringComparison.Ordinal);
        Assert.Contains("\"evil\\\"__agent\"", line, StringComparison.Ordinal);
        Assert.EndsWith(" sni_name -", line, StringComparison.Ordinal);
    }
}
