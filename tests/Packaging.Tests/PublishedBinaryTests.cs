using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace PluginMesh.Packaging.Tests;

/// <summary>
/// Slow end-to-end suite (Category=E2E): runs build/publish.sh and starts the single-file binaries
/// it makes — x64 natively, arm64 under qemu-user — in a fresh data directory, so the embedded
/// plugins and policies must unpack and load with nothing else beside the binary.
/// </summary>
[Trait("Category", "E2E")]
[Collection(ReleaseBuildCollection.Name)]
public sealed class PublishedBinaryTests : IClassFixture<PublishedBinaryTests.Published>
{
    private readonly Published _published;
    private readonly ITestOutputHelper _output;

    public PublishedBinaryTests(Published published, ITestOutputHelper output)
    {
        _published = published;
        _output = output;
    }

    public sealed class Published : IDisposable
    {
        public Published()
        {
            var (code, output) = Run("bash", [Path.Combine(Root, "build", "publish.sh"), "linux-x64", "linux-arm64"], Root, [("OUT", Out)], TimeSpan.FromMinutes(25));
            Log = output;
            Code = code;
        }

        public string Out { get; } = Path.Combine(Path.GetTempPath(), "pm-publish-" + Guid.NewGuid().ToString("n")[..8]);

        public int Code { get; }

        public string Log { get; }

        public void Dispose() => Directory.Delete(Out, true);
    }

    [Theory]
    [InlineData("linux-x64")]
    [InlineData("linux-arm64")]
    public void Publish_MakesOneExecutableWithChecksum(string rid)
    {
        Assert.True(_published.Code == 0, _published.Log);
        var dir = Path.Combine(_published.Out, rid);
        Assert.Equal(["pluginmesh", "pluginmesh.sha256"], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var (code, output) = Run("sha256sum", ["-c", "pluginmesh.sha256"], dir);
        Assert.True(code == 0, output);
    }

    [Fact]
    public void Publish_AlsoPacksAbstractionsAndTheCoreForPluginAuthors()
    {
        Assert.True(_published.Code == 0, _published.Log);
        var packages = Directory.GetFiles(Path.Combine(_published.Out, "packages"), "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, packages.Count);
        Assert.StartsWith("PluginMesh.Abstractions.", packages[0], StringComparison.Ordinal);
        Assert.StartsWith("PluginMesh.P2p.", packages[1], StringComparison.Ordinal);
    }

    [Fact]
    public void X64Binary_StartsAndListsItsEmbeddedPlugins()
    {
        Assert.True(_published.Code == 0, _published.Log);
        AssertListsPlugins(Path.Combine(_published.Out, "linux-x64", "pluginmesh"), []);
    }

    [Fact]
    public void X64Binary_RunsTheDemo()
    {
        // The demo is an assembly of its own inside the single file, and it starts this same binary
        // as its four agents, which find their plugins in the unpacked bundle.
        Assert.True(_published.Code == 0, _published.Log);
        var data = Path.Combine(Path.GetTempPath(), "pm-data-" + Guid.NewGuid().ToString("n")[..8]);
        try
        {
            var (code, output) = Run(Path.Combine(_published.Out, "linux-x64", "pluginmesh"), ["demo", "--requests", "2"], Root,
                [("PLUGINMESH__NODE__DATADIR", data)], TimeSpan.FromMinutes(5));
            Assert.True(code == 0, output);
            Assert.Contains("demo passed", output, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(data)) Directory.Delete(data, true);
        }
    }

    [Fact]
    public void Arm64Binary_StartsUnderQemu_AndListsItsEmbeddedPlugins()
    {
        Assert.True(_published.Code == 0, _published.Log);
        // build/test-deps.sh installs qemu-user-static and the arm64 runtime libraries; binfmt is not mounted here, so qemu is called explicitly.
        var qemu = "/usr/bin/qemu-aarch64-static";
        Assert.True(File.Exists(qemu), "qemu-user-static is not installed (build/test-deps.sh installs it)");
        AssertListsPlugins(qemu, [Path.Combine(_published.Out, "linux-arm64", "pluginmesh")]);
    }

    [Fact]
    public async Task Arm64Binary_RunsUpUnderQemu_UntilEveryDefaultPluginRunsAndReadyzAnswers()
    {
        Assert.True(_published.Code == 0, _published.Log);
        var qemu = "/usr/bin/qemu-aarch64-static";
        Assert.True(File.Exists(qemu), "qemu-user-static is not installed (build/test-deps.sh installs it)");
        var binary = Path.Combine(_published.Out, "linux-arm64", "pluginmesh");
        _output.WriteLine($"linux-arm64 binary: {new FileInfo(binary).Length} bytes");
        var data = Path.Combine(Path.GetTempPath(), "pm-data-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(data);
        var socket = Path.Combine(data, "admin.sock");
        // The default profile's proxy.iptables writes real rules as root: the agent gets a network
        // namespace of its own (loopback only, gone with the process); the admin endpoint is a unix
        // socket, which this test reaches from outside that namespace.
        var psi = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-n", "--", "sh", "-c", "ip link set lo up && exec \"$0\" \"$@\"", qemu, binary, "up"]) psi.ArgumentList.Add(a);
        psi.Environment["PLUGINMESH__NODE__DATADIR"] = data;
        psi.Environment["PLUGINMESH__ADMIN__LISTEN"] = "unix:" + socket;
        psi.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        // The runtime's defaults as on real arm64 hardware (JIT, no interpreter, ReadyToRun only where
        // the framework has it) except one: write-xor-execute is off. The JIT writes code through a
        // second, writable mapping of the executable pages; qemu-user 7.2 (Debian 12) only notices
        // writes to pages it translated through their own address, so it can run a stale translation of
        // a reused code page — CI saw "Illegal instruction" in a freshly emitted reflection stub once
        // in a few starts with it on. On real arm64 hardware the default stays on.
        var (agent, log) = StartCapturing(psi);
        using var _ = agent;
        try
        {
            using var http = UnixSocketHttp.Create(socket, TimeSpan.FromSeconds(30));
            var started = Stopwatch.StartNew();
            var ready = false;
            // Emulated, every method the JIT compiles costs far more than natively: the bound is generous.
            await Eventually.TrueAsync(() =>
            {
                if (agent.HasExited) return true;
                try
                {
                    using var response = http.GetAsync(new Uri("/readyz", UriKind.Relative)).GetAwaiter().GetResult();
                    ready = response.IsSuccessStatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // not listening yet, or too busy to answer within the client's timeout
                }
                return ready;
            }, "the arm64 agent answers /readyz", TimeSpan.FromMinutes(15));
            Assert.True(ready, "the agent exited before ready: " + Snapshot(log));
            _output.WriteLine($"linux-arm64 under qemu: start -> ready in {started.Elapsed.TotalSeconds:F1} s");

            using var statusResponse = await http.GetAsync(new Uri("/status", UriKind.Relative));
            var statusText = await statusResponse.Content.ReadAsStringAsync();
            Assert.True(statusResponse.IsSuccessStatusCode, $"/status answered {(int)statusResponse.StatusCode}: {statusText}\n{Snapshot(log)}");
            using var doc = JsonDocument.Parse(statusText);
            var running = doc.RootElement.GetProperty("plugins").EnumerateArray()
                .Where(p => p.GetProperty("enabled").GetBoolean())
                .ToDictionary(p => p.GetProperty("id").GetString()!, p => p.GetProperty("state").GetString());
            // Every plugin of the default profile (src/Host/Configuration/defaults.yaml), each running.
            Assert.Equal(["cache.litedb", "catalog.kubernetes", "directory.p2p", "dns.mdns", "proxy.iptables", "tunnel.libp2p", "tunnel.relay"],
                running.Keys.Order(StringComparer.Ordinal));
            Assert.All(running, p => Assert.Equal("running", p.Value));
        }
        finally
        {
            if (!agent.HasExited)
            {
                agent.Kill(true);
                agent.WaitForExit();
            }
            Directory.Delete(data, true);
        }
    }

    [Theory]
    [InlineData("linux-x64")]
    [InlineData("linux-arm64")]
    public async Task PublishedBinary_ProxiesAConnection_OnItsEventLoop(string rid)
    {
        // proxy.iptables' event loop calls epoll, recv/send and splice itself, with the kernel's own
        // struct layouts (epoll_event is packed on x64, not on arm64): the single file of each
        // architecture carries one connection (1 MiB each way: the copy path, then splice) through it.
        Assert.True(_published.Code == 0, _published.Log);
        var binary = Path.Combine(_published.Out, rid, "pluginmesh");
        var data = Path.Combine(Path.GetTempPath(), "pm-data-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(data);
        var socket = Path.Combine(data, "admin.sock");
        using var backend = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        backend.Start();
        var backendPort = ((System.Net.IPEndPoint)backend.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        var echo = Task.Run(async () =>
        {
            using var client = await backend.AcceptSocketAsync(stop.Token);
            var buffer = new byte[65536];
            int n;
            while ((n = await client.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, stop.Token)) > 0)
                for (var sent = 0; sent < n;) sent += await client.SendAsync(buffer.AsMemory(sent, n - sent), System.Net.Sockets.SocketFlags.None, stop.Token);
            client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        });
        File.WriteAllText(Path.Combine(data, "catalog.yaml"), $$"""
            services:
              - name: echo
                namespace: lab
                clusterIP: 10.96.0.10
                ports: [{name: tcp, port: 7000, targetPort: {{backendPort}}}]
                endpoints: [{ip: 127.0.0.1, node: node-a}]
            nodes:
              - {name: node-a, addresses: [127.0.0.1]}
            """);
        File.WriteAllText(Path.Combine(data, "pluginmesh.yaml"), $"""
            node:
              name: node-a
              dataDir: {data}
            profile: none
            admin:
              listen: unix:{socket}
            plugins:
              catalog.file:
                path: {Path.Combine(data, "catalog.yaml")}
              proxy.iptables:
                mode: listen
                listenAddress: 127.0.0.1
                portRange: auto
            """);
        var arm = rid == "linux-arm64";
        var psi = new ProcessStartInfo(arm ? "/usr/bin/qemu-aarch64-static" : binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[.. arm ? [binary] : Array.Empty<string>(), "up", "--config", Path.Combine(data, "pluginmesh.yaml")]) psi.ArgumentList.Add(a);
        if (arm) psi.Environment["DOTNET_EnableWriteXorExecute"] = "0";  // see Arm64Binary_RunsUpUnderQemu_…
        var (agent, log) = StartCapturing(psi);
        using var _ = agent;
        try
        {
            using var http = UnixSocketHttp.Create(socket, TimeSpan.FromSeconds(30));
            int? listenPort = null;
            await Eventually.TrueAsync(() =>
            {
                if (agent.HasExited) return true;
                try
                {
                    using var response = http.GetAsync(new Uri("/status", UriKind.Relative)).GetAwaiter().GetResult();
                    if (!response.IsSuccessStatusCode) return false;
                    using var doc = JsonDocument.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
                    var ports = doc.RootElement.GetProperty("proxy").GetProperty("services");
                    if (ports.GetArrayLength() == 0) return false;
                    var port = ports[0].GetProperty("ports")[0].GetProperty("listenPort");
                    if (port.ValueKind == JsonValueKind.Number) listenPort = port.GetInt32();
                    return listenPort is not null;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or KeyNotFoundException or InvalidOperationException)
                {
                    return false;  // not listening yet, or the proxy not started yet
                }
            }, "the agent serves the echo service", TimeSpan.FromMinutes(15));
            Assert.True(listenPort is not null, "the agent exited or never served the service: " + Snapshot(log));

            var request = System.Security.Cryptography.RandomNumberGenerator.GetBytes(1 << 20);
            using var client = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            await client.ConnectAsync(System.Net.IPAddress.Loopback, listenPort.Value);
            var reading = Task.Run(async () =>
            {
                using var got = new MemoryStream();
                var buffer = new byte[37_000];
                int n;
                while ((n = await client.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None)) > 0) got.Write(buffer, 0, n);
                return got.ToArray();
            });
            for (var sent = 0; sent < request.Length;) sent += await client.SendAsync(request.AsMemory(sent), System.Net.Sockets.SocketFlags.None);
            client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.Equal(request, await reading.WaitAsync(TimeSpan.FromMinutes(5)));
            await echo.WaitAsync(TimeSpan.FromMinutes(1));

            using var statusResponse = await http.GetAsync(new Uri("/status", UriKind.Relative));
            using var status = JsonDocument.Parse(await statusResponse.Content.ReadAsStringAsync());
            var loop = status.RootElement.GetProperty("proxy").GetProperty("eventLoop");
            Assert.True(loop.ValueKind == JsonValueKind.Object, "no event loop: " + Snapshot(log));
            Assert.Equal(1, loop.GetProperty("relayed").GetInt64());
        }
        finally
        {
            await stop.CancelAsync();
            if (!agent.HasExited)
            {
                agent.Kill(true);
                agent.WaitForExit();
            }
            Directory.Delete(data, true);
        }
    }

    // Starts the agent with its stdout and stderr collected (read with Snapshot).
    private static (Process Agent, System.Text.StringBuilder Log) StartCapturing(ProcessStartInfo psi)
    {
        var agent = Process.Start(psi)!;
        var log = new System.Text.StringBuilder();
        agent.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        agent.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        return (agent, log);
    }

    private static string Snapshot(System.Text.StringBuilder log)
    {
        lock (log) return log.ToString();
    }

    private static void AssertListsPlugins(string exe, string[] prefix)
    {
        var data = Path.Combine(Path.GetTempPath(), "pm-data-" + Guid.NewGuid().ToString("n")[..8]);
        try
        {
            // qemu-user cannot run the JIT's write-xor-execute double mapping (access violations in emitted code).
            (string, string)[] env = [("PLUGINMESH__NODE__DATADIR", data), ("DOTNET_EnableWriteXorExecute", "0")];
            var (code, output) = Run(exe, [.. prefix, "version"], Root, env);
            Assert.True(code == 0, output);
            Assert.StartsWith("pluginmesh ", output, StringComparison.Ordinal);

            (code, output) = Run(exe, [.. prefix, "plugins", "--json"], Root, env);
            var json = output[output.IndexOf('{', StringComparison.Ordinal)..];
            using var doc = JsonDocument.Parse(json);
            var ids = doc.RootElement.GetProperty("plugins").EnumerateArray()
                .Where(p => p.GetProperty("error").ValueKind == JsonValueKind.Null)
                .Select(p => p.GetProperty("id").GetString()).ToList();
            Assert.Contains("cache.litedb", ids);
            Assert.All(doc.RootElement.GetProperty("plugins").EnumerateArray(),
                p => Assert.StartsWith(Path.Combine(data, "bundle"), p.GetProperty("path").GetString(), StringComparison.Ordinal));
            Assert.True(File.Exists(Directory.GetFiles(Path.Combine(data, "bundle"), "failover.js", SearchOption.AllDirectories).Single()));
        }
        finally
        {
            if (Directory.Exists(data)) Directory.Delete(data, true);
        }
    }

    private static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PluginMesh.sln"))) return dir.FullName;
        throw new InvalidOperationException("PluginMesh.sln not found");
    }

    private static (int Code, string Output) Run(string exe, string[] args, string cwd, (string Key, string Value)[]? env = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(exe) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (key, value) in env ?? []) psi.Environment[key] = value;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(3)))
        {
            p.Kill(true);
            return (-1, "timed out: " + exe + " " + string.Join(' ', args));
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
