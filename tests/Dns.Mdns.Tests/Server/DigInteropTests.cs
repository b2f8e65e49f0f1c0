using System.Diagnostics;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Server;

/// <summary>
/// ISC dig (Debian package dnsutils, installed by build/test-deps.sh) as a real third-party client:
/// UDP, TCP, EDNS, and its own TC handling (it retries over TCP by itself).
/// </summary>
public sealed class DigInteropTests : IAsyncLifetime
{
    private TestDnsServer _server = null!;

    public async Task InitializeAsync() => _server = await TestDnsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("web.default.svc.cluster.local A", "", "10.96.0.10")]
    [InlineData("web.default.svc.cluster.local A", "+tcp", "10.96.0.10")]
    [InlineData("_pg._tcp.db.shop.svc.cluster.local SRV", "+noedns", "0 50 15432 db-0.db.shop.svc.cluster.local.\n0 50 15432 db-1.db.shop.svc.cluster.local.")]
    [InlineData("-x 10.96.0.10", "", "web.default.svc.cluster.local.")]
    public async Task Dig_Query_GetsTheAnswer(string question, string flags, string expected)
    {
        var output = await DigAsync($"{question} {flags} +short");
        Assert.Equal(expected, string.Join('\n', output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task Dig_TruncatedOverUdp_RetriesOverTcpAndGetsEveryRecord()
    {
        var output = await DigAsync("big.shop.svc.cluster.local A +noedns +short");
        Assert.Equal(SampleCatalog.BigEndpoints, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Dig_NxDomain_ShowsStatusAndAuthorityFlag()
    {
        var output = await DigAsync("nope.default.svc.cluster.local A");
        Assert.Contains("status: NXDOMAIN", output, StringComparison.Ordinal);
        Assert.Contains(" aa ", output, StringComparison.Ordinal);
        Assert.Contains("cluster.local.\t\t5\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local.", output, StringComparison.Ordinal);
    }

    private async Task<string> DigAsync(string args)
    {
        var start = new ProcessStartInfo("dig") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in $"@{_server.EndPoint.Address} -p {_server.EndPoint.Port} +tries=1 +time=5 {args}".Split(' ', StringSplitOptions.RemoveEmptyEntries))
            start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("dig is not installed: run build/test-deps.sh (Debian package dnsutils)", ex);
        }
        using (process)
        {
            var output = await process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"dig {args} exited {process.ExitCode}: {error}{output}");
            return output.Trim();
        }
    }
}
