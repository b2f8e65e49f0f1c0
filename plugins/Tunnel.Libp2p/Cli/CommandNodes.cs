using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli;

/// <summary>
/// The node behind a <c>p2p</c> command, composed by the host exactly as the agent composes one: this
/// plugin, plus <c>tunnel.relay</c> and <c>dns.mdns</c> when the command needs them, with the
/// command's flags as configuration overrides (keys relative to the root) over the node's file.
/// </summary>
internal static class CommandNodes
{
    public const string Relay = "tunnel.relay";
    public const string Mdns = "dns.mdns";
    private const string Tunnel = "plugins:" + TunnelLibp2pPlugin.PluginId + ":";

    /// <summary>
    /// <c>tunnel.libp2p</c> keys: listen on <paramref name="listen"/> (null: the file's, or the default),
    /// or no listener at all; AutoNAT off (a command's node answers nobody's dial-backs). Relative
    /// <paramref name="keyFile"/> and <paramref name="pskFile"/> paths follow the working directory, as
    /// a command-line path does.
    /// </summary>
    /// <param name="treatAsPublic">CIDRs whose addresses count as public (<c>autonat.treatAsPublic</c>): hole punching dials only
    /// non-private addresses, and a lab's "public" side is usually a TEST-NET range, private by default.</param>
    public static Dictionary<string, string?> Libp2p(IReadOnlyList<Multiaddr>? listen, bool dialOnly, bool holePunch, string? keyFile = null, string? pskFile = null, bool ephemeralKey = false,
        IReadOnlyList<string>? treatAsPublic = null)
    {
        var o = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            [Tunnel + "dialOnly"] = dialOnly ? "true" : "false",
            [Tunnel + "holePunch"] = holePunch ? "true" : "false",
            [Tunnel + "autonat:enabled"] = "false",
        };
        if (dialOnly) o[Tunnel + "listen"] = null;
        for (var i = 0; !dialOnly && i < (listen?.Count ?? 0); i++) o[Tunnel + "listen:" + i] = listen![i].ToString();
        if (keyFile is not null) o[Tunnel + "keyFile"] = Path.GetFullPath(keyFile);
        if (pskFile is not null) o[Tunnel + "pskFile"] = Path.GetFullPath(pskFile);
        if (ephemeralKey) o[Tunnel + "ephemeralKey"] = "true";
        for (var i = 0; i < (treatAsPublic?.Count ?? 0); i++) o[Tunnel + "autonat:treatAsPublic:" + i] = treatAsPublic![i];
        return o;
    }

    /// <summary>
    /// <c>tunnel.relay</c> keys: the hop service on or off, reservations pinned to <paramref name="reserve"/>
    /// (no autorelay), every peer that gets in a member (unlimited circuits) or none (the spec's
    /// outsider limits).
    /// </summary>
    public static void AddRelay(Dictionary<string, string?> overrides, bool offerHop, IReadOnlyList<string> reserve, bool allMembers)
    {
        const string P = "plugins:" + Relay + ":";
        overrides[P + "relay"] = offerHop ? "always" : "never";
        overrides[P + "members"] = allMembers ? "all" : "none";
        overrides[P + "autorelay"] = "false";
        overrides[P + "relays"] = "0";
        overrides[P + "reserve"] = null;
        for (var i = 0; i < reserve.Count; i++) overrides[P + "reserve:" + i] = reserve[i];
    }

    /// <summary><c>dns.mdns</c> keys: mDNS discovery on, the DNS server off.</summary>
    public static void AddMdns(Dictionary<string, string?> overrides, long? intervalMs)
    {
        const string P = "plugins:" + Mdns + ":";
        overrides[P + "dns:enabled"] = "false";
        overrides[P + "mdns:enabled"] = "true";
        if (intervalMs is { } ms) overrides[P + "mdns:intervalMs"] = ms.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Composes and starts the node; its logs go to stderr, warnings and up (<c>--verbose</c>: debug and up).</summary>
    public static async Task<ICommandNode> StartAsync(PluginCommandContext context, CommandArgs args, IReadOnlyList<string> plugins, Dictionary<string, string?> overrides)
    {
        var node = context.Host.ComposeNode(new CommandNodeRequest(plugins, overrides, args.Has("verbose") ? LogLevel.Debug : LogLevel.Warning));
        try
        {
            await node.StartAsync(context.CancellationToken).ConfigureAwait(false);
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>This plugin's node service in the composed node.</summary>
    public static Libp2pNodeService Libp2pNode(this ICommandNode node) => node.Services.GetRequiredService<Libp2pNodeService>();

    /// <summary>False, after telling the user, when <paramref name="pluginId"/> is not installed.</summary>
    public static bool Require(PluginCommandContext context, string pluginId, string what)
    {
        if (context.Host.IsInstalled(pluginId)) return true;
        context.Error.WriteLine($"[tunnel.libp2p] {what} needs the {pluginId} plugin (it is not installed)");
        return false;
    }
}
