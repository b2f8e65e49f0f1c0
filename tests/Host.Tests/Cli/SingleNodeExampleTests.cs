using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace PluginMesh.Host.Tests.Cli;

/// <summary>
/// The real agent with the real default plugins (cache, file catalog, DNS, proxy in listen mode)
/// running examples/single-node.yaml, as a newcomer would: DNS answers the catalog's names and the
/// operator commands show the services. Ports and data dir are moved by environment overrides.
/// </summary>
public sealed class SingleNodeExampleTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static string PluginsDir => Path.Combine(TestPaths.RepoRoot, "artifacts", "plugins",
        typeof(SingleNodeExampleTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .Cast<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration);

    [Fact]
    public async Task SingleNodeExample_ServesDnsAndListsServices()
    {
        var admin = 22464 + Environment.ProcessId % 1000;
        var dns = admin + 1000;
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.RepoRoot,
        };
        foreach (var a in new[] { TestPaths.HostDll, "up", "--config", "examples/single-node.yaml", "--no-default-plugins", "--plugins-dir", PluginsDir }) psi.ArgumentList.Add(a);
        psi.Environment["PLUGINMESH__NODE__DATADIR"] = Path.Combine(_tmp.Path, "data");
        psi.Environment["PLUGINMESH__ADMIN__LISTEN"] = $"127.0.0.1:{admin}";
        psi.Environment["PLUGINMESH__PLUGINS__DNS_MDNS__LISTEN__0"] = $"127.0.0.1:{dns}";
        psi.Environment["PLUGINMESH__NODE__POLICIESDIR"] = Path.Combine(TestPaths.RepoRoot, "policies");
        psi.Environment["PLUGINMESH__TELEMETRY__PROMETHEUS__ENABLED"] = "true";
        using var agent = System.Diagnostics.Process.Start(psi)!;
        var stderr = agent.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{admin}/") };
            var ready = false;
            for (var i = 0; i < 600 && !agent.HasExited && !ready; i++)
            {
                try
                {
                    ready = (await http.GetAsync(new Uri("readyz", UriKind.Relative))).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
                if (!ready) await Task.Delay(100);
            }
            Assert.True(ready, "agent never became ready: " + (agent.HasExited ? await stderr : "still starting"));

            var answer = await QueryA(dns, "web.demo.svc.cluster.local");
            Assert.Equal([IPAddress.Parse("10.96.0.10")], answer);

            // pluginmesh.dns.duration is in seconds: its buckets run from 50 µs to 5 s, not the SDK's
            // millisecond-sized defaults (…, 2500, 5000, 7500, 10000).
            var buckets = new List<string>();
            for (var i = 0; i < 50 && buckets.Count == 0; i++)
            {
                if (i > 0) await Task.Delay(100); // the query is recorded as its answer goes out
                var metrics = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
                buckets = metrics.Split('\n').Where(l => l.StartsWith("pluginmesh_dns_duration_seconds_bucket{", StringComparison.Ordinal)).ToList();
            }
            Assert.NotEmpty(buckets);
            Assert.Contains(buckets, l => l.Contains("le=\"5\"", StringComparison.Ordinal));
            Assert.Contains(buckets, l => l.Contains("le=\"0.001\"", StringComparison.Ordinal));
            Assert.DoesNotContain(buckets, l => l.Contains("le=\"7500\"", StringComparison.Ordinal));

            var (code, output, err) = await AgentProcessTests.RunCli("services", "--admin", $"127.0.0.1:{admin}");
            Assert.True(code == 0, err);
            var web = output.Split('\n').Single(l => l.StartsWith("demo/web", StringComparison.Ordinal));
            Assert.Contains("10.96.0.10", web, StringComparison.Ordinal);
            Assert.Contains("2/3", web, StringComparison.Ordinal);
            // LOCAL: the proxy runs in listen mode, so the service port is served on a local port.
            var localPort = System.Text.RegularExpressions.Regex.Match(web, @"80/tcp->(\d+)");
            Assert.True(localPort.Success, "no local port in: " + web);

            using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("status", UriKind.Relative)));
            foreach (var section in new[] { "cache", "dns", "proxy", "catalog", "policies" })
                Assert.True(status.RootElement.TryGetProperty(section, out _), $"/status has no {section} section");
            var proxyWeb = status.RootElement.GetProperty("proxy").GetProperty("services").EnumerateArray().Single(s => s.GetProperty("service").GetString() == "demo/web");
            Assert.Equal(int.Parse(localPort.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), proxyWeb.GetProperty("ports")[0].GetProperty("listenPort").GetInt32());
            Assert.All(status.RootElement.GetProperty("plugins").EnumerateArray().Where(p => p.GetProperty("enabled").GetBoolean()),
                p => Assert.Equal("running", p.GetProperty("state").GetString()));
        }
        finally
        {
            if (!agent.HasExited) agent.Kill(true);
        }
    }

    /// <summary>One A query over UDP, built by hand so the test does not depend on the code under test.</summary>
    private static async Task<List<IPAddress>> QueryA(int port, string name)
    {
        var q = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.'))
        {
            q.Add((byte)label.Length);
            q.AddRange(Encoding.ASCII.GetBytes(label));
        }
        q.AddRange(new byte[] { 0, 0, 1, 0, 1 });
        using var udp = new UdpClient();
        udp.Connect(IPAddress.Loopback, port);
        await udp.SendAsync(q.ToArray());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var reply = (await udp.ReceiveAsync(cts.Token)).Buffer;
        Assert.Equal(0x12, reply[0]);
        Assert.Equal(0, reply[3] & 0x0f); // NOERROR
        var answers = BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(6));
        var pos = q.Count; // the question is echoed unchanged
        var result = new List<IPAddress>();
        for (var i = 0; i < answers; i++)
        {
            pos += (reply[pos] & 0xc0) == 0xc0 ? 2 : SkipName(reply, pos);
            var type = BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(pos));
            var len = BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(pos + 8));
            if (type == 1) result.Add(new IPAddress(reply.AsSpan(pos + 10, len)));
            pos += 10 + len;
        }
        return result;
    }

    private static int SkipName(byte[] b, int pos)
    {
        var start = pos;
        while (b[pos] != 0)
        {
            if ((b[pos] & 0xc0) == 0xc0) return pos + 2 - start;
            pos += b[pos] + 1;
        }
        return pos + 1 - start;
    }
}
