using System.Text;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

/// <summary>
/// The annotations an agent writes on its own Node, and reads on everyone's, like flannel's
/// public-ip and WireGuard key: <c>pluginmesh.io/peer-id</c> (the PeerId, base58),
/// <c>pluginmesh.io/addrs</c> (a JSON array of dialable multiaddrs without the trailing
/// <c>/p2p/&lt;peer-id&gt;</c>, which the annotation beside it already says) and
/// <c>pluginmesh.io/relay</c> (<c>"true"</c> while the agent offers the relay hop service, absent otherwise).
/// </summary>
/// <remarks>
/// Both directions are bounded (at most <see cref="MaxAddresses"/> addresses in at most
/// <see cref="MaxAddressesBytes"/> bytes) and neither throws: whatever another agent, an older
/// build or a person wrote on a Node, decoding yields a binding or nothing, and says why through
/// the warnings. Stateless and thread-safe.
/// </remarks>
internal static class AgentAnnotations
{
    /// <summary>The prefix of every annotation this agent owns.</summary>
    public const string Prefix = "pluginmesh.io/";

    /// <summary>The agent's PeerId.</summary>
    public const string PeerIdKey = "pluginmesh.io/peer-id";

    /// <summary>Its dialable addresses, a JSON array of multiaddr strings.</summary>
    public const string AddressesKey = "pluginmesh.io/addrs";

    /// <summary><c>"true"</c> while it offers the relay hop service.</summary>
    public const string RelayKey = "pluginmesh.io/relay";

    /// <summary>At most this many addresses are published and read.</summary>
    public const int MaxAddresses = 16;

    /// <summary>At most this many UTF-8 bytes of <see cref="AddressesKey"/> are published and read.</summary>
    public const int MaxAddressesBytes = 4096;

    /// <summary>Longer than any PeerId text (52 for Ed25519 in base58, 46 for hashed keys, about 62 as a CID); checked before parsing.</summary>
    public const int MaxPeerIdLength = 128;

    /// <summary>The three keys, in the order they are written.</summary>
    public static IReadOnlyList<string> Keys { get; } = [PeerIdKey, AddressesKey, RelayKey];

    /// <summary>
    /// What an agent with <paramref name="peerId"/>, <paramref name="addresses"/> (as <c>ILocalPeer</c>
    /// announces them) and a relay offer or not publishes on its Node.
    /// </summary>
    public static AgentAnnotationValues Encode(PeerId peerId, IEnumerable<Multiaddr?> addresses, bool offersRelay)
    {
        ArgumentNullException.ThrowIfNull(peerId);
        ArgumentNullException.ThrowIfNull(addresses);
        var chosen = new List<string>();
        var json = "[]";
        foreach (var address in Rank(peerId, addresses))
        {
            if (chosen.Count == MaxAddresses) break;
            var text = address.ToString();
            chosen.Add(text);
            var candidate = JsonSerializer.Serialize(chosen);
            // One address too long for what is left is passed over; a shorter one after it may still fit.
            if (Encoding.UTF8.GetByteCount(candidate) > MaxAddressesBytes) chosen.RemoveAt(chosen.Count - 1);
            else json = candidate;
        }

        return new AgentAnnotationValues(peerId.ToString(), json, offersRelay ? "true" : null, chosen.Count);
    }

    /// <summary>
    /// The binding a Node's annotations give, or null when they give none (no <see cref="PeerIdKey"/>,
    /// or one that is not a PeerId). A bad address list or relay value is dropped alone: the PeerId
    /// binding still stands. Every problem is one line in <paramref name="warnings"/>, worded so that
    /// its text up to the first quote or colon names the kind of problem (the rate limit's category).
    /// Annotations outside <see cref="Prefix"/> are not ours and are not looked at.
    /// </summary>
    public static NodeAgent? Decode(IReadOnlyDictionary<string, string>? annotations, List<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(warnings);
        if (annotations is null) return null;
        string? peerText = null;
        string? addressesText = null;
        string? relayText = null;
        var ours = false;
        foreach (var (key, value) in annotations)
        {
            if (key is null || !key.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            switch (key)
            {
                case PeerIdKey:
                    peerText = value;
                    ours = true;
                    break;
                case AddressesKey:
                    addressesText = value;
                    ours = true;
                    break;
                case RelayKey:
                    relayText = value;
                    ours = true;
                    break;
                default:
                    warnings.Add($"unknown annotation '{Shorten(key)}' ignored (an agent writes {PeerIdKey}, {AddressesKey} and {RelayKey})");
                    break;
            }
        }

        if (!ours) return null;
        if (peerText is null)
        {
            warnings.Add($"annotation {PeerIdKey} missing: {AddressesKey} and {RelayKey} mean nothing without it");
            return null;
        }

        if (!TryParsePeerId(peerText, out var peer))
        {
            warnings.Add($"annotation {PeerIdKey} ignored: '{Shorten(peerText)}' is not a PeerId");
            return null;
        }

        var addresses = addressesText is null ? [] : DecodeAddresses(addressesText, peer, warnings);
        var relay = false;
        switch (relayText)
        {
            case null or "false":
                break;
            case "true":
                relay = true;
                break;
            default:
                warnings.Add($"annotation {RelayKey} ignored: '{Shorten(relayText)}' is not \"true\" or \"false\"");
                break;
        }

        return new NodeAgent(peer, addresses, relay);
    }

    /// <summary>
    /// Addresses worth publishing, most useful first: public before private (reachable from anywhere
    /// beats reachable on one LAN), and within each, direct before relayed; otherwise in the order
    /// given. Loopback, link-local (169.254/16 — the shared DNS address 169.254.96.16 among them —
    /// and fe80::/10), unspecified addresses, and addresses that end in another peer's id are left
    /// out; the trailing <c>/p2p/&lt;peerId&gt;</c> is taken off. Duplicates are listed once. An agent
    /// with no other address publishes its loopback ones (<see cref="Multiaddr.ForOthers"/>'s rule:
    /// every agent then runs on one host, as <c>pluginmesh demo</c> runs them, and loopback is how
    /// they reach each other).
    /// </summary>
    public static IEnumerable<Multiaddr> Rank(PeerId peerId, IEnumerable<Multiaddr?> addresses)
    {
        var seen = new HashSet<Multiaddr>();
        var ranked = new List<(int Rank, int Index, Multiaddr Address)>();
        var loopback = new List<(int Rank, int Index, Multiaddr Address)>();
        var index = 0;
        foreach (var address in addresses)
        {
            if (address is null || Bare(address, peerId) is not { } bare || !seen.Add(bare)) continue;
            if (IsDialable(bare)) ranked.Add(((bare.IsPrivate ? 2 : 0) + (bare.IsRelayed ? 1 : 0), index++, bare));
            else if (bare.IsLoopback) loopback.Add((bare.IsRelayed ? 1 : 0, index++, bare));
        }

        return (ranked.Count > 0 ? ranked : loopback).OrderBy(r => r.Rank).ThenBy(r => r.Index).Select(r => r.Address);
    }

    /// <summary>
    /// True for an address another node could dial: it starts with an IP or a DNS name, and that IP
    /// (the relay's, for a circuit) is not loopback, link-local or unspecified.
    /// </summary>
    public static bool IsDialable(Multiaddr address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var first = address.Components[0];
        if (first.IPAddress is not null) return address.IsForOthers;

        return ReferenceEquals(first.Protocol, MultiaddrProtocol.Dns) || ReferenceEquals(first.Protocol, MultiaddrProtocol.Dns4)
            || ReferenceEquals(first.Protocol, MultiaddrProtocol.Dns6) || ReferenceEquals(first.Protocol, MultiaddrProtocol.DnsAddr);
    }

    /// <summary>
    /// <paramref name="address"/> without its trailing <c>/p2p/&lt;peer&gt;</c>; null when it reaches
    /// another peer (a <c>/p2p/</c> left after that, other than a relay's before <c>/p2p-circuit</c>).
    /// </summary>
    private static Multiaddr? Bare(Multiaddr address, PeerId peer)
    {
        var target = address.PeerId;
        if (target is not null && target != peer) return null;
        var bare = target is null ? address : address.WithoutPeerId();
        return bare.PeerId is null ? bare : null;
    }

    private static List<Multiaddr> DecodeAddresses(string text, PeerId peer, List<string> warnings)
    {
        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > MaxAddressesBytes)
        {
            warnings.Add($"annotation {AddressesKey} ignored: {bytes} bytes, more than {MaxAddressesBytes}");
            return [];
        }

        var texts = new List<string>();
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                warnings.Add($"annotation {AddressesKey} ignored: not a JSON array of multiaddr strings");
                return [];
            }

            foreach (var item in doc.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    warnings.Add($"annotation {AddressesKey} ignored: an item is a JSON {item.ValueKind.ToString().ToLowerInvariant()}, not a multiaddr string");
                    return [];
                }

                texts.Add(item.GetString()!);
            }
        }
        catch (JsonException ex)
        {
            warnings.Add($"annotation {AddressesKey} ignored: not JSON ({ex.Message})");
            return [];
        }

        if (texts.Count > MaxAddresses)
        {
            warnings.Add($"annotation {AddressesKey} ignored: {texts.Count} addresses, more than {MaxAddresses}");
            return [];
        }

        var addresses = new List<Multiaddr>();
        var loopback = new List<Multiaddr>();
        var undialable = 0;
        foreach (var item in texts)
        {
            if (!TryParseMultiaddr(item, out var address, out var error))
            {
                warnings.Add($"annotation {AddressesKey} ignored: {error}");
                return [];
            }

            if (Bare(address, peer) is not { } bare)
            {
                warnings.Add($"annotation {AddressesKey} ignored: '{Shorten(item)}' names another peer than {PeerIdKey}");
                return [];
            }

            var full = bare.WithPeerId(peer);
            if (IsDialable(bare))
            {
                if (!addresses.Contains(full)) addresses.Add(full);
            }
            else if (bare.IsLoopback)
            {
                if (!loopback.Contains(full)) loopback.Add(full);
            }
            else
            {
                undialable++;
            }
        }

        // Loopback only from an agent that has nothing else (every agent on one host, see Rank).
        if (addresses.Count == 0) addresses = loopback;
        else undialable += loopback.Count;

        if (undialable > 0) warnings.Add($"annotation {AddressesKey}: {undialable} loopback, link-local or unspecified address(es) dropped, the rest kept");
        return addresses;
    }

    // The parsers promise FormatException; anything else from a hostile string must not end the watch either.
    private static bool TryParsePeerId(string text, out PeerId peer)
    {
        peer = null!;
        if (text.Length == 0 || text.Length > MaxPeerIdLength) return false;
        try
        {
            peer = PeerId.Parse(text);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException or IndexOutOfRangeException)
        {
            return false;
        }
    }

    private static bool TryParseMultiaddr(string text, out Multiaddr address, out string error)
    {
        address = null!;
        try
        {
            address = Multiaddr.Parse(text);
            error = "";
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException or IndexOutOfRangeException)
        {
            error = ex.Message.Length <= 200 ? ex.Message : ex.Message[..200] + "…";
            return false;
        }
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
