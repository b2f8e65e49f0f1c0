using System.Net.NetworkInformation;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Network;

/// <summary>
/// Follows the machine's interface addresses for a host listening on a wildcard (0.0.0.0, ::): when
/// what it can be dialed on changes (an address added by DHCP after start, a link moved), the host
/// re-announces (Identify push) and the local peer raises <c>AddressesChanged</c>, so mDNS and the
/// directory advertise the new set at once instead of the one known at start.
/// </summary>
/// <remarks>Thread-safe; NetworkChange raises on its own thread. Disposing stops following.</remarks>
internal sealed class InterfaceWatch : IDisposable
{
    private readonly Libp2pHost _host;
    private readonly Action _changed;
    private readonly Lock _lock = new();
    private IReadOnlyList<Multiaddr> _last;

    public InterfaceWatch(Libp2pHost host, Action changed)
    {
        _host = host;
        _changed = changed;
        _last = host.DirectAddresses;
        NetworkChange.NetworkAddressChanged += OnChanged;
    }

    /// <summary>Compares the dialable addresses with the last ones seen; announces when they differ (NetworkChange fires for every netlink event).</summary>
    internal void Check()
    {
        var now = _host.DirectAddresses;
        lock (_lock)
        {
            if (now.SequenceEqual(_last)) return;
            _last = now;
        }
        _host.RefreshAddresses();
        _changed();
    }

    public void Dispose() => NetworkChange.NetworkAddressChanged -= OnChanged;

    private void OnChanged(object? sender, EventArgs e) => Check();
}
