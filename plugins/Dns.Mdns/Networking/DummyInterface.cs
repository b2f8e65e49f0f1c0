using System.ComponentModel;
using System.Diagnostics;

namespace PluginMesh.Plugins.Dns.Mdns.Networking;

/// <summary>
/// The dummy interface that carries the DNS listen address (EdgeMesh's 169.254.96.16), so pods can
/// reach the agent at a fixed link-local address on every node. Managed with <c>ip</c> (iproute2):
/// creating is idempotent, and only an interface we created is removed on stop.
/// </summary>
internal sealed class DummyInterface
{
    private readonly string _name;
    private readonly IReadOnlyList<IPAddress> _addresses;
    private readonly string? _netns;
    private readonly ILogger _logger;

    /// <param name="name">Interface name, e.g. <c>pluginmesh0</c>.</param>
    /// <param name="addresses">Addresses to put on it (host routes: /32, /128).</param>
    /// <param name="netns">Network namespace to work in (<c>ip -n</c>); null for the agent's own. Tests use one.</param>
    /// <param name="logger">Logger.</param>
    public DummyInterface(string name, IReadOnlyList<IPAddress> addresses, string? netns, ILogger logger)
    {
        _name = name;
        _addresses = addresses;
        _netns = netns;
        _logger = logger;
    }

    /// <summary>True when <see cref="EnsureAsync"/> created the interface (so stop removes it).</summary>
    public bool Created { get; private set; }

    /// <summary>Link type created: <c>dummy</c>, or <c>bridge</c> where the kernel has no dummy driver; null when it already existed.</summary>
    public string? Kind { get; private set; }

    /// <summary>Creates the interface if missing, brings it up and assigns the addresses.</summary>
    /// <exception cref="PluginMeshException">When <c>ip</c> is missing or refuses.</exception>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        var (exists, _) = await RunAsync(["link", "show", "dev", _name], cancellationToken).ConfigureAwait(false);
        if (exists != 0)
        {
            var (code, error) = await RunAsync(["link", "add", _name, "type", "dummy"], cancellationToken).ConfigureAwait(false);
            if (code != 0 && error.Contains("Unknown device type", StringComparison.OrdinalIgnoreCase))
            {
                // Kernels built without CONFIG_DUMMY (seen on some edge and VM kernels): a bridge with
                // no ports serves the same purpose, a local address on an interface of our own.
                await RequireAsync(["link", "add", _name, "type", "bridge"], cancellationToken).ConfigureAwait(false);
                Kind = "bridge";
            }
            else if (code != 0)
            {
                throw new PluginMeshException(DnsMdnsPlugin.PluginId, "create interface", $"'ip link add {_name} type dummy' failed ({code}): {error.Trim()}");
            }
            else
            {
                Kind = "dummy";
            }
            Created = true;
            DnsLog.Interface(_logger, _name, $"created ({Kind})");
        }
        await RequireAsync(["link", "set", "dev", _name, "up"], cancellationToken).ConfigureAwait(false);
        foreach (var address in _addresses)
        {
            var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
            // "replace" adds or keeps the address, so a restart after a crash is not an error;
            // nodad lets an IPv6 listen address be bound at once instead of after duplicate detection.
            string[] args = v6
                ? ["-6", "addr", "replace", $"{address}/128", "dev", _name, "nodad"]
                : ["addr", "replace", $"{address}/32", "dev", _name];
            await RequireAsync(args, cancellationToken).ConfigureAwait(false);
            DnsLog.Interface(_logger, _name, $"address {address}");
        }
    }

    /// <summary>Removes the interface when this instance created it. Never throws: stop must finish.</summary>
    public async Task RemoveAsync(CancellationToken cancellationToken)
    {
        if (!Created) return;
        try
        {
            var (code, error) = await RunAsync(["link", "del", "dev", _name], cancellationToken).ConfigureAwait(false);
            if (code != 0) DnsLog.InterfaceRemoveFailed(_logger, _name, error);
            else
            {
                Created = false;
                DnsLog.Interface(_logger, _name, "removed");
            }
        }
        catch (PluginMeshException ex)
        {
            DnsLog.InterfaceRemoveFailed(_logger, _name, ex.Detail);
        }
    }

    private async Task RequireAsync(string[] args, CancellationToken cancellationToken)
    {
        var (code, error) = await RunAsync(args, cancellationToken).ConfigureAwait(false);
        if (code != 0)
            throw new PluginMeshException(DnsMdnsPlugin.PluginId, "create interface", $"'ip {string.Join(' ', args)}' failed ({code}): {error.Trim()}");
    }

    private async Task<(int Code, string Error)> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (_netns is not null)
        {
            start.ArgumentList.Add("-n");
            start.ArgumentList.Add(_netns);
        }
        foreach (var arg in args) start.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            await stdout.ConfigureAwait(false);
            return (process.ExitCode, await stderr.ConfigureAwait(false));
        }
        catch (Win32Exception ex)
        {
            throw new PluginMeshException(DnsMdnsPlugin.PluginId, "create interface", "the 'ip' command (iproute2) is not installed; install it or set createInterface: false", ex);
        }
    }
}
