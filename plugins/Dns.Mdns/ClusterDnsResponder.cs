using PluginMesh.Abstractions.Dns;

namespace PluginMesh.Plugins.Dns.Mdns;

/// <summary>
/// The in-process face of the DNS server (<see cref="IDnsResponder"/>): the same index the network
/// listeners answer from, so other plugins and the CLI see exactly what pods see.
/// </summary>
internal sealed class ClusterDnsResponder : IDnsResponder
{
    private readonly DnsQueryHandler _handler;
    private IReadOnlyList<EndPoint> _listen;

    public ClusterDnsResponder(DnsQueryHandler handler, IReadOnlyList<EndPoint> configuredListen)
    {
        _handler = handler;
        _listen = configuredListen;
    }

    /// <inheritdoc />
    public string ClusterDomain => _handler.Zone.Domain;

    /// <inheritdoc />
    /// <remarks>The configured endpoints until the listeners are bound, then the bound ones (real ports when 0 was configured).</remarks>
    public IReadOnlyList<EndPoint> ListenEndpoints
    {
        get => Volatile.Read(ref _listen);
        internal set => Volatile.Write(ref _listen, value);
    }

    /// <summary>Why the default address is not served (the interface could not be made; see <see cref="DnsOptions.InterfaceDefaulted"/>), or null.</summary>
    public string? ListenProblem { get; internal set; }

    /// <inheritdoc />
    /// <remarks>
    /// Accepts a fully qualified name (trailing dot optional) or the short <c>svc.ns</c> form, which is
    /// tried as <c>svc.ns.svc.&lt;domain&gt;</c> the way a pod's search list would.
    /// </remarks>
    public DnsLookup Lookup(string name, bool ipv6)
    {
        ArgumentNullException.ThrowIfNull(name);
        var zone = _handler.Zone;
        var wire = DnsNames.ToWire(name);
        if (wire is null) return new DnsLookup(DnsOutcome.NameError, []);
        var match = zone.Find(wire, out var node);
        if (match == ZoneMatch.NotAuthoritative && name.TrimEnd('.').Count(c => c == '.') == 1 && DnsNames.ToWire($"{name.TrimEnd('.')}.svc.{zone.Domain}") is { } expanded)
            match = zone.Find(expanded, out node);

        if (match == ZoneMatch.NotAuthoritative) return new DnsLookup(DnsOutcome.NotAuthoritative, []);
        if (match == ZoneMatch.NameError) return new DnsLookup(DnsOutcome.NameError, []);
        var family = ipv6 ? System.Net.Sockets.AddressFamily.InterNetworkV6 : System.Net.Sockets.AddressFamily.InterNetwork;
        var addresses = node!.Addresses.Where(a => a.AddressFamily == family).ToArray();
        return new DnsLookup(addresses.Length > 0 ? DnsOutcome.Answer : DnsOutcome.NoData, addresses);
    }
}
