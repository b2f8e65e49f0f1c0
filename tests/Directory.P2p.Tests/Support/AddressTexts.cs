using PluginMesh.P2p;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Support;

/// <summary>Multiaddrs as text, for assertions against the addresses a test wrote as strings.</summary>
internal static class AddressTexts
{
    public static IEnumerable<string> Texts(this IEnumerable<Multiaddr> addresses) => addresses.Select(a => a.ToString());

    public static IEnumerable<string> Texts(this IEnumerable<PeerId> peers) => peers.Select(p => p.ToString());
}
