using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Plugins.Dns.Mdns.Networking;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Networking;

/// <summary>
/// The dummy interface, with real iproute2 in a network namespace the test creates and removes (never
/// in the machine's own namespace). Needs root, as the agent does for this feature.
/// </summary>
public sealed class DummyInterfaceTests : IDisposable
{
    private readonly string _netns = $"pm-dns-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    public DummyInterfaceTests()
    {
        Assert.True(Environment.IsPrivilegedProcess, "this test creates a network namespace and needs root");
        Assert.Equal(0, Run("netns", "add", _netns).Code);
    }

    public void Dispose() => Run("netns", "del", _netns);

    [Fact]
    public async Task Ensure_CreatesIdempotentlyAndRemoveDeletesWhatItCreated()
    {
        var addresses = new[] { IPAddress.Parse("169.254.96.16"), IPAddress.Parse("fd00:96::16") };
        var first = new DummyInterface("pluginmesh0", addresses, _netns, NullLogger.Instance);
        await first.EnsureAsync(CancellationToken.None);
        var second = new DummyInterface("pluginmesh0", addresses, _netns, NullLogger.Instance);
        await second.EnsureAsync(CancellationToken.None);

        var shown = Run("-n", _netns, "addr", "show", "dev", "pluginmesh0").Output;
        Assert.True(first.Created);
        Assert.False(second.Created); // it existed: a second agent (or a restart) must not delete it
        Assert.Contains("inet 169.254.96.16/32", shown, StringComparison.Ordinal);
        Assert.Contains("inet6 fd00:96::16/128", shown, StringComparison.Ordinal);
        // This machine's kernel has no dummy driver, so the bridge fallback is what runs here.
        Assert.Contains(first.Kind!, Run("-n", _netns, "-d", "link", "show", "dev", "pluginmesh0").Output, StringComparison.Ordinal);
        Assert.Null(second.Kind);

        await second.RemoveAsync(CancellationToken.None);
        Assert.Equal(0, Run("-n", _netns, "link", "show", "dev", "pluginmesh0").Code);
        await first.RemoveAsync(CancellationToken.None);
        Assert.NotEqual(0, Run("-n", _netns, "link", "show", "dev", "pluginmesh0").Code);
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
