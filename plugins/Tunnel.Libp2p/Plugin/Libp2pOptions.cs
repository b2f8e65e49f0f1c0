using Microsoft.Extensions.Configuration;
using PluginMesh.Plugins.Tunnel.Libp2p.Multiaddrs;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

/// <summary>
/// The <c>plugins.tunnel.libp2p</c> section. Every key is optional: with none, the node listens on
/// <c>/ip4/0.0.0.0/tcp/4001</c> with a key file under the data directory and no private network.
/// </summary>
public sealed record Libp2pOptions
{
    public const string DefaultListen = "/ip4/0.0.0.0/tcp/4001";

    public IReadOnlyList<Multiaddr> Listen { get; init; } = [Multiaddr.Parse(DefaultListen)];

    /// <summary>Identity key file (libp2p PrivateKey protobuf), created with mode 0600 on first start.</summary>
    public required string KeyFile { get; init; }

    /// <summary>swarm.key v1 file; when set, only peers with the same key can connect.</summary>
    public string? PskFile { get; init; }

    public int MaxInboundStreamsPerConnection { get; init; } = 1000;

    public int MaxStreamWindowMiB { get; init; } = 16;

    public int MaxConnections { get; init; } = 512;

    /// <summary>Seconds a connection may have no stream before it is closed; 0 keeps idle connections.</summary>
    public int IdleTimeoutSeconds { get; init; } = 300;

    /// <summary>Networks /pluginmesh/tunnel/1.0.0 may connect to (default: private ranges, where pods live).</summary>
    public IReadOnlyList<System.Net.IPNetwork> ForwardAllow { get; init; } = Forwarding.ForwardingServer.DefaultAllowed;

    /// <summary>Reads the section, reporting every problem through <paramref name="error"/> (key, message).</summary>
    public static Libp2pOptions Read(IConfiguration section, string dataDirectory, Action<string, string> error)
    {
        var listen = new List<Multiaddr>();
        var listenSection = section.GetSection("listen");
        var entries = listenSection.GetChildren().ToList();
        if (entries.Count == 0 && listenSection.Value is { } single) entries = [listenSection];
        for (var i = 0; i < entries.Count; i++)
        {
            var key = entries[i] == listenSection ? "listen" : $"listen:{i}";
            if (!Multiaddr.TryParse(entries[i].Value, out var addr, out var reason))
            {
                error(key, $"not a multiaddr ({reason})");
                continue;
            }
            if (!addr!.TryGetTcpTarget(out _, out _, out var isIp) || !isIp || addr.PeerId is not null)
            {
                error(key, $"not a listenable address ({addr}: need /ip4|ip6/<addr>/tcp/<port>)");
                continue;
            }
            listen.Add(addr);
        }
        var maxStreams = ReadInt(section, "maxInboundStreamsPerConnection", 1000, 1, 100_000, error);
        var window = ReadInt(section, "maxStreamWindowMiB", 16, 1, 256, error);
        var maxConnections = ReadInt(section, "maxConnections", 512, 1, 100_000, error);
        var idle = ReadInt(section, "idleTimeoutSeconds", 300, 0, 86_400, error);
        var allow = new List<System.Net.IPNetwork>();
        var allowEntries = section.GetSection("forwardAllow").GetChildren().ToList();
        for (var i = 0; i < allowEntries.Count; i++)
        {
            if (System.Net.IPNetwork.TryParse(allowEntries[i].Value, out var network)) allow.Add(network);
            else error($"forwardAllow:{i}", $"not a CIDR network ('{allowEntries[i].Value}', e.g. 10.0.0.0/8)");
        }
        var keyFile = section["keyFile"];
        if (keyFile is not null && keyFile.Trim().Length == 0) error("keyFile", "must not be empty");
        return new Libp2pOptions
        {
            Listen = listen.Count > 0 ? listen : [Multiaddr.Parse(DefaultListen)],
            KeyFile = string.IsNullOrWhiteSpace(keyFile) ? Path.Combine(dataDirectory, "libp2p", "identity.key") : Path.GetFullPath(keyFile, dataDirectory),
            PskFile = string.IsNullOrWhiteSpace(section["pskFile"]) ? null : Path.GetFullPath(section["pskFile"]!, dataDirectory),
            MaxInboundStreamsPerConnection = maxStreams,
            MaxStreamWindowMiB = window,
            MaxConnections = maxConnections,
            IdleTimeoutSeconds = idle,
            ForwardAllow = allowEntries.Count > 0 ? allow : Forwarding.ForwardingServer.DefaultAllowed,
        };
    }

    private static int ReadInt(IConfiguration section, string key, int fallback, int min, int max, Action<string, string> error)
    {
        var text = section[key];
        if (text is null) return fallback;
        if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            error(key, $"must be an integer from {min} to {max}, got '{text}'");
            return fallback;
        }
        return value;
    }
}
